def freeze(module):
    n = 0.0
    for p in module.parameters():
        p.requires_grad_(False)
        n += p.numel()
    return n
