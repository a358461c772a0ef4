def lm_inputs_and_targets(input_ids, attention_mask):
    return lmkit.instruct.lm_inputs_and_targets(input_ids, attention_mask)
