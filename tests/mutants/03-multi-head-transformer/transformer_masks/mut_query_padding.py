def transformer_masks(src_lengths, tgt_lengths):
    if src_lengths.dim() != 1 or src_lengths.shape != tgt_lengths.shape or (src_lengths < 1).any() or (tgt_lengths < 1).any():
        raise ValueError("bad")
    S, T = int(src_lengths.max()), int(tgt_lengths.max())
    src = torch.arange(S)[None] < src_lengths[:, None]
    tgt = torch.arange(T)[None] < tgt_lengths[:, None]
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    enc = src[:, None, :, None] & src[:, None, None, :]
    return enc, causal & tgt[:, None, None], src[:, None, None].expand(-1, 1, T, S)
