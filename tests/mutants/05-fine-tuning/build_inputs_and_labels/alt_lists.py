def build_inputs_and_labels(tokenizer, prompt, response, ignore_index=-100):
    p = list(tokenizer.encode(prompt, add_special_tokens=False))
    r = list(tokenizer.encode(response, add_special_tokens=False))
    sequence = p + r + [tokenizer.sep_token_id]
    inputs = sequence[:-1]
    labels = [ignore_index] * (len(p) - 1) + sequence[len(p):]
    return torch.tensor(inputs, dtype=torch.int64), torch.tensor(labels, dtype=torch.int64)
