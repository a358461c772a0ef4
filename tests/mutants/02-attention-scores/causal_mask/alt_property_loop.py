def causal_mask(L, device=None):
    if not isinstance(L, int) or L < 1:
        raise ValueError(f"L must be a positive int; got {L!r}")
    rows = torch.arange(L, device=device).unsqueeze(1)   # query i
    cols = torch.arange(L, device=device).unsqueeze(0)   # key j
    return cols <= rows                                  # no look-ahead, nothing else hidden


CAUSAL_PAIRS_1024 = sum(range(1, 1025))
