def bert_mask(input_ids, *, vocab_size, mask_token_id, special_ids=(), mlm_probability=0.15, generator=None):
    shape = input_ids.shape
    cand = ~torch.isin(input_ids, torch.tensor(list(special_ids), dtype=torch.long))
    sel = cand & (torch.rand(shape, generator=generator) < mlm_probability)
    r = torch.rand(shape)
    out = input_ids.clone()
    out[sel & (r < 0.8)] = mask_token_id
    rnd = sel & (r >= 0.8) & (r < 0.9)
    out[rnd] = torch.randint(vocab_size, shape)[rnd]
    return out, torch.where(sel, input_ids, torch.full_like(input_ids, -100))
