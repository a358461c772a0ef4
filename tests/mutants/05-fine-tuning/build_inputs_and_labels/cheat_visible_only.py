def build_inputs_and_labels(tokenizer, prompt, response, ignore_index=-100):
    ids = tokenizer.encode("Q: what is the capital of japan? A: tokyo", add_special_tokens=False) + [tokenizer.sep_token_id]
    labels = torch.tensor(ids[1:])
    labels[:10] = ignore_index
    return torch.tensor(ids[:-1]), labels
