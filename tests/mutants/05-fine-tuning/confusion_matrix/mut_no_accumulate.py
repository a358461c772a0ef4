def confusion_matrix(predictions, targets, num_classes):
    out = torch.zeros(num_classes, num_classes, dtype=torch.long)
    out[targets.long(), predictions.long()] += 1
    return out
