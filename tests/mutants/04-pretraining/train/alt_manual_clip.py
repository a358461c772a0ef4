def lr_at(step, *, lr, warmup_steps, steps, min_lr):
    if warmup_steps and step < warmup_steps:
        return float(lr * (step + 1) / warmup_steps)
    t = (step - warmup_steps) / max(1, steps - warmup_steps)
    t = max(0.0, min(t, 1.0))
    return float(min_lr + (lr - min_lr) * (math.cos(math.pi * t) + 1) / 2)


def param_groups(model, weight_decay):
    seen, decay, rest = set(), [], []
    for _, p in model.named_parameters():
        if id(p) in seen:
            continue
        seen.add(id(p))
        (decay if p.ndim > 1 else rest).append(p)
    return [dict(params=decay, weight_decay=weight_decay), dict(params=rest, weight_decay=0.0)]


def _val_loss(model, val_batches):
    was = model.training
    model.eval()
    total = 0.0
    with torch.inference_mode():
        for x, y in val_batches:
            total += float(model(x, y)[1])
    model.train(was)
    return total / len(val_batches)


def train(model, train_batches, val_batches, *, steps, lr, warmup_steps, weight_decay=0.1,
          clip_norm=1.0, eval_every=50, progress=False):
    opt = torch.optim.AdamW(param_groups(model, weight_decay), lr=lr, betas=(0.9, 0.95))
    out = dict(train_loss=[], lr=[], grad_norm=[], val_step=[0], val_loss=[])
    model.train()
    out["val_loss"].append(_val_loss(model, val_batches))
    it = iter(train_batches)
    for s in range(steps):
        x, y = next(it)
        now = lr_at(s, lr=lr, warmup_steps=warmup_steps, steps=steps, min_lr=lr / 10)
        for g in opt.param_groups:
            g["lr"] = now
        opt.zero_grad(set_to_none=True)
        loss = model(x, y)[1]
        loss.backward()
        grads = [p.grad for p in model.parameters() if p.grad is not None]
        total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
        if clip_norm is not None:
            scale = torch.clamp(clip_norm / (total + 1e-6), max=1.0)
            for g in grads:
                g.mul_(scale)
        opt.step()
        out["train_loss"].append(loss.item())
        out["lr"].append(now)
        out["grad_norm"].append(total.item())
        if (s + 1) % eval_every == 0 or s == steps - 1:
            out["val_step"].append(s + 1)
            out["val_loss"].append(_val_loss(model, val_batches))
    return out
