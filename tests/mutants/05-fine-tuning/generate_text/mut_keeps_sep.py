def generate_text(model, prompt, *, device, max_new_tokens=6, generator=None):
    ids = torch.tensor([tokenizer.encode(prompt)], device=device)
    out = generate(model.to(device), ids, max_new_tokens, top_p=0.8, temperature=0.95, generator=generator,
                   eos_token_id=tokenizer.sep_token_id)
    return tokenizer.decode(out[0].tolist())
