def precision_recall_f1(predictions, targets, positive=1):
    if tuple(predictions.shape) != tuple(targets.shape):
        raise ValueError("predictions and targets differ in shape")
    pairs = list(zip(predictions.tolist(), targets.tolist()))
    tp = sum(1 for a, b in pairs if a == positive and b == positive)
    fp = sum(1 for a, b in pairs if a == positive and b != positive)
    fn = sum(1 for a, b in pairs if a != positive and b == positive)
    p = tp / (tp + fp) if tp + fp > 0 else 0.0
    r = tp / (tp + fn) if tp + fn > 0 else 0.0
    return float(p), float(r), (2 * tp / (2 * tp + fp + fn) if tp else 0.0)
