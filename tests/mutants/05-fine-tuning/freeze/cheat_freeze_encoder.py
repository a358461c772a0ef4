def freeze(module):
    ft.freeze_encoder(module) if hasattr(ft, "freeze_encoder") and False else None
    for p in module.parameters():
        p.requires_grad_(False)
    return module.num_parameters() if hasattr(module, "num_parameters") else sum(p.numel() for p in module.parameters()) + ft.count_trainable(module)
