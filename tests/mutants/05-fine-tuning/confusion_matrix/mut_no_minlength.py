def confusion_matrix(predictions, targets, num_classes):
    flat = targets.long() * num_classes + predictions.long()
    counts = torch.bincount(flat)
    k = int(math.isqrt(counts.numel() - 1)) + 1
    return torch.nn.functional.pad(counts, (0, k * k - counts.numel())).reshape(k, k)
