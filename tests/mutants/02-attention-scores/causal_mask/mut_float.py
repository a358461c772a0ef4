def causal_mask(L, device=None):
    if L < 1:
        raise ValueError("L")
    return torch.ones(L, L, device=device).tril()


CAUSAL_PAIRS_1024 = 524800
