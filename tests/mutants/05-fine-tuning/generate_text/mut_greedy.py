def generate_text(model, prompt, *, device, max_new_tokens=6, generator=None):
    ids = torch.tensor([tokenizer.encode(prompt)[:-1]], device=device)
    out = generate(model.to(device), ids, max_new_tokens, do_sample=False, eos_token_id=tokenizer.sep_token_id)
    return tokenizer.decode(out[0].tolist())
