def lm_inputs_and_targets(input_ids, attention_mask):
    targets = input_ids[:, 1:]
    targets[attention_mask[:, 1:] == 0] = -100
    return input_ids[:, :-1], targets
