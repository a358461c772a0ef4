def causal_mask(L, device=None):
    if type(L) is not int or L <= 0:
        raise ValueError("L must be positive")
    return ~torch.triu(torch.ones(L, L, dtype=torch.bool, device=device), diagonal=1)


CAUSAL_PAIRS_1024 = 524800
