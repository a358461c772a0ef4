def freeze(module):
    for p in module.parameters():
        p.requires_grad_(False)
    return sum(t.numel() for t in module.state_dict().values())
