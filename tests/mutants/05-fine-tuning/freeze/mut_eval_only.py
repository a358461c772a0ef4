def freeze(module):
    module.eval()
    return sum(p.numel() for p in module.parameters())
