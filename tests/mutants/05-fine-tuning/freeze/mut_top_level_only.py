def freeze(module):
    n = 0
    for p in module._parameters.values():
        if p is not None:
            p.requires_grad_(False)
            n += p.numel()
    for child in module.children():
        for p in child._parameters.values():
            if p is not None:
                n += p.numel()
    return n
