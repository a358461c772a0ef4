def fine_tune(model, train_data, evaluate, *, lr, max_epochs=20, patience=3, batch_size=16, seed=0):
    torch.manual_seed(seed)
    dataset = TensorDataset(*train_data)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.AdamW(filter(lambda p: p.requires_grad, model.parameters()), lr=lr)
    history = dict(train_loss=[], val_score=[], best_epoch=0)
    best_state, bad_epochs, epoch = None, 0, 0
    while epoch < max_epochs and bad_epochs < patience:
        epoch += 1
        model.train()
        total = 0.0
        for x, m, y in loader:
            loss = F.cross_entropy(model(x, m).logits, y, reduction="sum")
            optimizer.zero_grad()
            (loss / len(y)).backward()
            optimizer.step()
            total += loss.item()
        history["train_loss"].append(total / len(dataset))
        model.eval()
        with torch.no_grad():
            score = float(evaluate(model))
        history["val_score"].append(score)
        if not history["best_epoch"] or score > max(history["val_score"][:-1]):
            history["best_epoch"], bad_epochs = epoch, 0
            best_state = {name: t.detach().clone() for name, t in model.state_dict().items()}
        else:
            bad_epochs += 1
    model.load_state_dict(best_state)
    model.eval()
    return history
