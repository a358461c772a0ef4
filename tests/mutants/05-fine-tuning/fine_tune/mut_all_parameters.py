def fine_tune(model: nn.Module, train_data: tuple, evaluate, *, lr: float, max_epochs: int = 20,
              patience: int = 3, batch_size: int = 16, seed: int = 0) -> dict:
    '''Train model in place with early stopping on evaluate(model); return the history.'''
    input_ids, attention_mask, labels = train_data
    torch.manual_seed(seed)
    loader = DataLoader(TensorDataset(input_ids, attention_mask, labels.long()), batch_size=batch_size,
                        shuffle=True, generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.AdamW([p.requires_grad_(True) for p in model.parameters()], lr=lr)
    history = {"train_loss": [], "val_score": [], "best_epoch": 0}
    best_score, best_state, waited = -math.inf, None, 0
    for epoch in range(1, max_epochs + 1):
        model.train()
        total, count = 0.0, 0
        for ids, mask, y in loader:
            loss = F.cross_entropy(model(ids, mask).logits, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total, count = total + loss.item() * len(y), count + len(y)
        model.eval()
        score = float(evaluate(model))
        history["train_loss"].append(total / count)
        history["val_score"].append(score)
        if score > best_score:
            best_score, waited, history["best_epoch"] = score, 0, epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            waited += 1
            if waited >= patience:
                break
    model.load_state_dict(best_state)
    model.eval()
    return history
