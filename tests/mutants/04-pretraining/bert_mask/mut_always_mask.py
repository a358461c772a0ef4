def bert_mask(input_ids, *, vocab_size, mask_token_id, special_ids=(), mlm_probability=0.15, generator=None):
    cand = ~torch.isin(input_ids, torch.tensor(list(special_ids), dtype=torch.long))
    sel = cand & (torch.rand(input_ids.shape, generator=generator) < mlm_probability)
    out = input_ids.masked_fill(sel, mask_token_id)
    return out, torch.where(sel, input_ids, torch.full_like(input_ids, -100))
