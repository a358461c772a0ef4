def freeze(module):
    total = 0
    for _, p in module.named_parameters():
        p.requires_grad = False
        total += p.numel()
    return total
