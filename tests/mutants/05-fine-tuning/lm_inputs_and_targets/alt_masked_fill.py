def lm_inputs_and_targets(input_ids, attention_mask):
    if input_ids.dim() != 2 or input_ids.size(1) < 2:
        raise ValueError("shape")
    return input_ids[:, :-1].clone(), input_ids[:, 1:].masked_fill(attention_mask[:, 1:] == 0, -100)
