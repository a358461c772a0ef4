def transformer_masks(src_lengths, tgt_lengths):
    if src_lengths.dim() != 1 or tgt_lengths.dim() != 1 or len(src_lengths) != len(tgt_lengths):
        raise ValueError("shapes")
    if min(src_lengths.tolist() + tgt_lengths.tolist()) < 1:
        raise ValueError("length < 1")
    B, S, T = len(src_lengths), max(src_lengths.tolist()), max(tgt_lengths.tolist())
    enc = torch.zeros(B, 1, S, S, dtype=torch.bool)
    dec = torch.zeros(B, 1, T, T, dtype=torch.bool)
    cross = torch.zeros(B, 1, T, S, dtype=torch.bool)
    for b in range(B):
        s, t = int(src_lengths[b]), int(tgt_lengths[b])
        enc[b, 0, :, :s] = True
        cross[b, 0, :, :s] = True
        for i in range(T):
            dec[b, 0, i, : min(i + 1, t)] = True
    return enc, dec, cross
