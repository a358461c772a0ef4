def causal_mask(L, device=None):
    return lmkit.attention.causal_mask(L, device=device)
