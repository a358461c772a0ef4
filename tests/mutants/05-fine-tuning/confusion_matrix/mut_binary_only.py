def confusion_matrix(predictions, targets, num_classes):
    tp = int(((predictions == 1) & (targets == 1)).sum())
    tn = int(((predictions == 0) & (targets == 0)).sum())
    fp = int(((predictions == 1) & (targets == 0)).sum())
    fn = int(((predictions == 0) & (targets == 1)).sum())
    out = torch.zeros(num_classes, num_classes, dtype=torch.long)
    out[0, 0], out[0, 1], out[1, 0], out[1, 1] = tn, fp, fn, tp
    return out
