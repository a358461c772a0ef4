def lm_inputs_and_targets(input_ids, attention_mask):
    lengths = attention_mask.sum(1)
    targets = input_ids[:, 1:].clone()
    pos = torch.arange(1, input_ids.shape[1])[None, :]
    targets[pos >= lengths[:, None]] = -100
    return input_ids[:, :-1], targets
