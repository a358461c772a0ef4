def bert_mask(input_ids, *, vocab_size, mask_token_id, special_ids=(), mlm_probability=0.15, generator=None):
    return lp.mask_tokens(input_ids, vocab_size=vocab_size, mask_token_id=mask_token_id, special_ids=special_ids,
                          mlm_probability=mlm_probability, generator=generator)
