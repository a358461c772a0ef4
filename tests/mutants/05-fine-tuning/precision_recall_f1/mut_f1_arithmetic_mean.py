def precision_recall_f1(predictions, targets, positive=1):
    if predictions.shape != targets.shape:
        raise ValueError("shape")
    tp = int(((predictions == positive) & (targets == positive)).sum())
    fp = int(((predictions == positive) & (targets != positive)).sum())
    fn = int(((predictions != positive) & (targets == positive)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return float(p), float(r), float((p + r) / 2)
