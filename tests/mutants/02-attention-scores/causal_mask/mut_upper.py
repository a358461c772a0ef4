def causal_mask(L, device=None):
    if L < 1:
        raise ValueError("L")
    return torch.ones(L, L, dtype=torch.bool, device=device).triu()


CAUSAL_PAIRS_1024 = 524800
