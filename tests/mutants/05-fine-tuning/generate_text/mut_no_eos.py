def generate_text(model, prompt, *, device, max_new_tokens=6, generator=None):
    ids = torch.tensor([tokenizer.encode(prompt)[:-1]], device=device)
    out = generate(model.to(device), ids, max_new_tokens, top_p=0.8, temperature=0.95, generator=generator)
    return tokenizer.decode(out[0].tolist())
