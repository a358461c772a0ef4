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
    """AdamW + warm-up/cosine + clipping; validation every eval_every updates. Returns the history."""
    optimizer = torch.optim.AdamW(param_groups(model, weight_decay), lr=lr, betas=(0.9, 0.95))
    history = {"train_loss": [], "lr": [], "grad_norm": [], "val_step": [], "val_loss": []}

    def evaluate(done):
        model.eval()
        with torch.no_grad():
            losses = [model(x, y)[1].item() for x, y in val_batches]
        history["val_step"].append(done)
        history["val_loss"].append(sum(losses) / len(losses))

    model.train()
    evaluate(0)
    batches = iter(train_batches)
    for step in tqdm(range(steps), disable=not progress):
        inputs, targets = next(batches)
        rate = lr_at(step, lr=lr, warmup_steps=warmup_steps, steps=steps, min_lr=lr / 10)
        for group in optimizer.param_groups:
            group["lr"] = rate
        _, loss = model(inputs, targets)
        optimizer.zero_grad()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf if clip_norm is None else clip_norm)
        optimizer.step()
        history["train_loss"].append(loss.item())
        history["lr"].append(rate)
        history["grad_norm"].append(float(norm))
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            evaluate(step + 1)
    return history
