def lm_inputs_and_targets(input_ids, attention_mask):
    if input_ids.ndim != 2 or input_ids.shape[1] < 2:
        raise ValueError("(B, L) with L >= 2")
    targets = torch.where(attention_mask[:, 1:].bool(), input_ids[:, 1:], torch.full_like(input_ids[:, 1:], -100))
    return input_ids[:, :-1], targets
