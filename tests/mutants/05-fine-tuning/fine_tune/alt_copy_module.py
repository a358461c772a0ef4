def fine_tune(model, train_data, evaluate, *, lr, max_epochs=20, patience=3, batch_size=16, seed=0):
    ids, mask, labels = train_data
    torch.manual_seed(seed)
    order = torch.Generator().manual_seed(seed)
    loader = DataLoader(TensorDataset(ids, mask, labels), batch_size=batch_size, shuffle=True, generator=order)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=lr)
    losses, scores = [], []
    best = None
    for epoch in range(max_epochs):
        model.train()
        batch_losses, sizes = [], []
        for x, m, y in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(x, m).logits, y)
            loss.backward()
            opt.step()
            batch_losses.append(loss.item()); sizes.append(len(y))
        losses.append(float(np.average(batch_losses, weights=sizes)))
        model.eval()
        scores.append(float(evaluate(model)))
        if best is None or scores[-1] > scores[best]:
            best = epoch
            kept = copy.deepcopy(model.state_dict())
        elif epoch - best >= patience:
            break
    model.load_state_dict(kept)
    model.eval()
    return {"train_loss": losses, "val_score": scores, "best_epoch": best + 1}
