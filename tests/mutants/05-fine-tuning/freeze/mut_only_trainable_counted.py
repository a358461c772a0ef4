def freeze(module):
    n = 0
    for p in module.parameters():
        if p.requires_grad:
            n += p.numel()
        p.requires_grad_(False)
    return n
