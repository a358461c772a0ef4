def precision_recall_f1(predictions, targets, positive=1):
    if predictions.shape != targets.shape:
        raise ValueError("shape")
    tp = ((predictions == positive) & (targets == positive)).sum().float()
    fp = ((predictions == positive) & (targets != positive)).sum().float()
    fn = ((predictions != positive) & (targets == positive)).sum().float()
    p = tp / (tp + fp) if tp + fp else torch.tensor(0.0)
    r = tp / (tp + fn) if tp + fn else torch.tensor(0.0)
    f = 2 * p * r / (p + r) if p + r else torch.tensor(0.0)
    return p, r, f
