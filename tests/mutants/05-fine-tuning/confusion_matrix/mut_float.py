def confusion_matrix(predictions, targets, num_classes):
    out = torch.zeros(num_classes, num_classes)
    for t, p in zip(targets.tolist(), predictions.tolist()):
        out[t, p] += 1
    return out
