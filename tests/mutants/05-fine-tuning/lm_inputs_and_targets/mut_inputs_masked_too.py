def lm_inputs_and_targets(input_ids, attention_mask):
    inputs = input_ids[:, :-1].masked_fill(attention_mask[:, :-1] == 0, -100)
    return inputs, input_ids[:, 1:].masked_fill(attention_mask[:, 1:] == 0, -100)
