def keep_probabilities(counts, t):
    counts = counts.double()
    threshold_count = t * counts.sum()
    kept = torch.sqrt(counts * threshold_count)          # average kept occurrences of a frequent word
    keep = torch.where(counts > threshold_count, kept / counts.clamp(min=1e-300), torch.ones_like(counts))
    return keep.float()


KEEP_AT_4_PERCENT = (1 / 40) ** 0.5
KEPT_RATIO_100 = 100 ** 0.5
