def bert_mask(input_ids, *, vocab_size, mask_token_id, special_ids=(), mlm_probability=0.15, generator=None):
    special = torch.zeros_like(input_ids, dtype=torch.bool)
    for s in special_ids:
        special |= input_ids == s
    u = torch.rand(input_ids.shape, generator=generator)
    selected = (u < mlm_probability) & ~special
    r = torch.rand(input_ids.shape, generator=generator)
    random_ids = torch.randint(0, vocab_size, input_ids.shape, generator=generator)
    masked = torch.where(selected & (r < 0.8), torch.full_like(input_ids, mask_token_id), input_ids)
    masked = torch.where(selected & (r >= 0.8) & (r < 0.9), random_ids, masked)
    labels = input_ids.masked_fill(~selected, -100)
    return masked, labels
