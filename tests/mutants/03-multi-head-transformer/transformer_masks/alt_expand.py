def transformer_masks(src_lengths, tgt_lengths):
    if src_lengths.ndim != 1 or tgt_lengths.shape != src_lengths.shape:
        raise ValueError("both (B,)")
    if bool((src_lengths <= 0).any() | (tgt_lengths <= 0).any()):
        raise ValueError("lengths >= 1")
    S, T = int(src_lengths.max()), int(tgt_lengths.max())
    src = torch.arange(S).expand(len(src_lengths), S) < src_lengths.unsqueeze(1)
    tgt = torch.arange(T).expand(len(tgt_lengths), T) < tgt_lengths.unsqueeze(1)
    i = torch.arange(T)
    causal = i.view(T, 1) >= i.view(1, T)
    enc = src.view(-1, 1, 1, S).repeat(1, 1, S, 1)
    dec = causal.view(1, 1, T, T) & tgt.view(-1, 1, 1, T)
    cross = src.view(-1, 1, 1, S).repeat(1, 1, T, 1)
    return enc, dec, cross
