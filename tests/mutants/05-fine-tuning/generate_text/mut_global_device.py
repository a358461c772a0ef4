def generate_text(model, prompt, *, device=None, max_new_tokens=6, generator=None):
    # The article's bug (h): the device is looked up as a global instead of taken from the argument.
    ids = torch.tensor([tokenizer.encode(prompt)[:-1]], device=globals()["device"])
    out = generate(model.to(globals()["device"]), ids, max_new_tokens, do_sample=True, temperature=0.95,
                   top_p=0.8, generator=generator, eos_token_id=tokenizer.sep_token_id)
    return tokenizer.decode(out[0].tolist())
