def precision_recall_f1(predictions, targets, positive=1):
    if predictions.shape != targets.shape:
        raise ValueError("shape")
    tp = int(((predictions == 1) & (targets == 1)).sum())
    fp = int(((predictions == 1) & (targets != 1)).sum())
    fn = int(((predictions != 1) & (targets == 1)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return float(p), float(r), float(f)
