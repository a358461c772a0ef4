def causal_mask(L, device=None):
    if not isinstance(L, int) or L < 1:
        raise ValueError("L must be >= 1")
    return torch.ones(L, L, dtype=torch.bool, device=device).tril()


CAUSAL_PAIRS_1024 = 0.5  # the fraction, not the count
