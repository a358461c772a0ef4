def bert_mask(input_ids, *, vocab_size, mask_token_id, special_ids=(), mlm_probability=0.15, generator=None):
    return input_ids.clone(), torch.full_like(input_ids, -100)
