def generate_text(model, prompt, *, device, max_new_tokens=6, generator=None):
    p = tokenizer.encode(prompt)[:-1]
    ids = torch.tensor([p], device=device)
    out = generate(model.to(device), ids, max_new_tokens, top_p=0.8, temperature=0.95, generator=generator,
                   eos_token_id=tokenizer.sep_token_id)
    return tokenizer.decode(out[0, len(p):].tolist())
