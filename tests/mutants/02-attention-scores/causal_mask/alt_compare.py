def causal_mask(L, device=None):
    if not isinstance(L, int) or L < 1:
        raise ValueError("L >= 1")
    i = torch.arange(L, device=device)
    return i[:, None] >= i[None, :]


CAUSAL_PAIRS_1024 = 524800
