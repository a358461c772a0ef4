def causal_mask(L, device=None):
    if L < 1:
        raise ValueError("L")
    return torch.zeros(L, L, device=device).masked_fill(torch.ones(L, L, dtype=torch.bool, device=device).triu(1), -math.inf)


CAUSAL_PAIRS_1024 = 524800
