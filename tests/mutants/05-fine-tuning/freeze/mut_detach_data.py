def freeze(module):
    n = 0
    for p in module.parameters():
        p.data = p.data.detach()
        n += p.numel()
    return n
