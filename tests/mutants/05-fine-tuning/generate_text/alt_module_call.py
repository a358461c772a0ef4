import lmkit.generation as _gen_module


def generate_text(model, prompt, *, device, max_new_tokens=6, generator=None):
    ids = torch.as_tensor([tokenizer.encode(prompt)[:-1]]).to(device)
    out = _gen_module.generate(model.to(device), ids, max_new_tokens, top_p=0.8, temperature=0.95,
                               generator=generator, eos_token_id=tokenizer.sep_token_id)
    return tokenizer.decode(list(map(int, out[0])))
