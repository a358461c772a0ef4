def build_inputs_and_labels(tokenizer, prompt, response, ignore_index=-100):
    n_prompt = len(tokenizer.encode(prompt, add_special_tokens=False))
    ids = torch.tensor(tokenizer.encode(prompt, add_special_tokens=False)
                       + tokenizer.encode(response, add_special_tokens=False) + [tokenizer.sep_token_id])
    positions = torch.arange(ids.numel() - 1)
    labels = torch.where(positions < n_prompt - 1, torch.full_like(positions, ignore_index), ids[1:])
    return ids[:-1].long(), labels.long()
