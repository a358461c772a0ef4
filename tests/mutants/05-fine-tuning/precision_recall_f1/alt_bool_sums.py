def precision_recall_f1(predictions, targets, positive=1):
    if predictions.shape != targets.shape:
        raise ValueError("shapes differ")
    pp = predictions == positive
    tt = targets == positive
    tp = (pp & tt).sum().item()
    p = tp / pp.sum().item() if pp.sum().item() else 0.0
    r = tp / tt.sum().item() if tt.sum().item() else 0.0
    f = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return float(p), float(r), float(f)
