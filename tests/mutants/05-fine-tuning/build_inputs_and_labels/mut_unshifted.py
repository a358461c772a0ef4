def build_inputs_and_labels(tokenizer, prompt: str, response: str, ignore_index: int = -100) -> tuple[torch.Tensor, torch.Tensor]:
    '''One prompt/response pair -> (input_ids (P+R,), labels (P+R,)) with the prompt masked out of the loss.'''
    prompt_ids = tokenizer.encode(prompt, add_special_tokens=False)
    response_ids = tokenizer.encode(response, add_special_tokens=False)
    ids = torch.tensor(prompt_ids + response_ids + [tokenizer.sep_token_id], dtype=torch.long)
    labels = ids[:-1].clone()
    labels[: len(prompt_ids) - 1] = ignore_index
    return ids[:-1], labels
