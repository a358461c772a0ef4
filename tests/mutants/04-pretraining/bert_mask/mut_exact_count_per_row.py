def bert_mask(input_ids, *, vocab_size, mask_token_id, special_ids=(), mlm_probability=0.15, generator=None):
    B, L = input_ids.shape
    cand = ~torch.isin(input_ids, torch.tensor(list(special_ids), dtype=torch.long))
    score = torch.rand(B, L, generator=generator).masked_fill(~cand, 2.0)
    k = max(0, round(mlm_probability * int(cand[0].sum())))
    sel = torch.zeros(B, L, dtype=torch.bool)
    if k:
        sel.scatter_(1, score.topk(k, dim=1, largest=False).indices, True)
    sel &= cand
    r = torch.rand(B, L, generator=generator)
    out = input_ids.clone()
    out[sel & (r < 0.8)] = mask_token_id
    rnd = sel & (r >= 0.8) & (r < 0.9)
    out[rnd] = torch.randint(vocab_size, (B, L), generator=generator)[rnd]
    return out, torch.where(sel, input_ids, torch.full_like(input_ids, -100))
