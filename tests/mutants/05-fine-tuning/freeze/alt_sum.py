def freeze(module):
    params = list(module.parameters())
    for p in params:
        p.requires_grad_(False)
    return int(sum(p.numel() for p in params))
