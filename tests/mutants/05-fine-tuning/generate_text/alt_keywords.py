def generate_text(model, prompt, *, device, max_new_tokens=6, generator=None):
    model = model.to(device)
    prompt_ids = tokenizer.encode(prompt)
    if prompt_ids and prompt_ids[-1] == tokenizer.sep_token_id:
        prompt_ids = prompt_ids[:-1]
    ids = torch.tensor(prompt_ids, dtype=torch.long, device=device).unsqueeze(0)
    out = generate(model, ids, max_new_tokens=max_new_tokens, temperature=0.95, top_p=0.8,
                   eos_token_id=tokenizer.sep_token_id, generator=generator)
    return tokenizer.decode(out[0].cpu().tolist())
