def causal_mask(L, device=None):
    return lmkit.attention.causal_mask(L, device=device)


CAUSAL_PAIRS_1024 = 524800
