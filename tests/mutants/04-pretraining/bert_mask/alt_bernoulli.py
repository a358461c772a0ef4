def bert_mask(input_ids, *, vocab_size, mask_token_id, special_ids=(), mlm_probability=0.15, generator=None):
    probs = torch.full(input_ids.shape, float(mlm_probability))
    if len(special_ids):
        probs[torch.isin(input_ids, torch.tensor(list(special_ids)))] = 0.0
    selected = torch.bernoulli(probs, generator=generator).bool()
    replace = torch.bernoulli(torch.full(input_ids.shape, 0.8), generator=generator).bool() & selected
    rand = torch.bernoulli(torch.full(input_ids.shape, 0.5), generator=generator).bool() & selected & ~replace
    out = input_ids.clone()
    out[replace] = mask_token_id
    out[rand] = torch.randint(vocab_size, (int(rand.sum()),), generator=generator)
    labels = torch.full_like(input_ids, -100)
    labels[selected] = input_ids[selected]
    return out, labels
