def transformer_masks(src_lengths, tgt_lengths):
    if src_lengths.dim() != 1 or src_lengths.shape != tgt_lengths.shape or (src_lengths < 1).any() or (tgt_lengths < 1).any():
        raise ValueError("bad")
    S, T = int(src_lengths.max()), int(tgt_lengths.max())
    ps, pt = padding_mask(src_lengths), padding_mask(tgt_lengths)
    return ps.expand(-1, 1, S, S), causal_mask(T) & pt, ps.expand(-1, 1, T, S)
