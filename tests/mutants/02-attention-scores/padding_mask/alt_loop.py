def padding_mask_from_lengths(lengths, max_len=None):
    if not isinstance(lengths, torch.Tensor) or lengths.dtype not in (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8):
        raise TypeError("integer tensor expected")
    if lengths.ndim != 1 or len(lengths) == 0 or bool((lengths < 0).any()):
        raise ValueError("1-D non-negative lengths expected")
    longest = int(lengths.max())
    if max_len is None:
        max_len = longest
    elif max_len < longest:
        raise ValueError("max_len too short")
    mask = torch.zeros(len(lengths), max_len, dtype=torch.bool, device=lengths.device)
    for b, n in enumerate(lengths.tolist()):
        mask[b, :n] = True
    return mask.view(len(lengths), 1, 1, max_len)
