def transformer_masks(src_lengths, tgt_lengths):
    if src_lengths.shape != tgt_lengths.shape:
        raise ValueError("bad")
    S, T = int(src_lengths.max()), int(tgt_lengths.max())
    src = torch.arange(S)[None] < src_lengths[:, None]
    tgt = torch.arange(T)[None] < tgt_lengths[:, None]
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    return src[:, None, None].expand(-1, 1, S, S), causal & tgt[:, None, None], src[:, None, None].expand(-1, 1, T, S)
