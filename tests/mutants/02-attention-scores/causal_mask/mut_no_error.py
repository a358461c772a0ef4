def causal_mask(L, device=None):
    return torch.ones(L, L, dtype=torch.bool, device=device).tril()


CAUSAL_PAIRS_1024 = 524800
