def padding_mask_from_lengths(lengths, max_len=None):
    if lengths.is_floating_point():
        raise TypeError("int")
    if lengths.dim() != 1 or (lengths < 0).any():
        raise ValueError("1-D")
    L = int(lengths.max()) if max_len is None else max_len
    if L < int(lengths.max()):
        raise ValueError("max_len")
    return torch.arange(L)[None] < lengths[:, None]
