def padding_mask_from_lengths(lengths, max_len=None):
    if lengths.is_floating_point():
        raise TypeError("int")
    if lengths.dim() != 1 or (lengths < 0).any():
        raise ValueError("1-D")
    L = int(lengths.max())
    return (torch.arange(L)[None] < lengths[:, None])[:, None, None]
