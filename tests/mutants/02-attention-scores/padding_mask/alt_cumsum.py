def padding_mask_from_lengths(lengths, max_len=None):
    if not torch.is_tensor(lengths) or torch.is_floating_point(lengths) or lengths.dtype == torch.bool or lengths.is_complex():
        raise TypeError("integer lengths")
    if lengths.dim() != 1 or lengths.numel() == 0 or lengths.min() < 0:
        raise ValueError("lengths")
    L = int(lengths.max()) if max_len is None else max_len
    if L < int(lengths.max()):
        raise ValueError("max_len")
    ones = torch.ones(lengths.shape[0], L, dtype=torch.long, device=lengths.device)
    return (ones.cumsum(-1) <= lengths[:, None]).unsqueeze(1).unsqueeze(1)
