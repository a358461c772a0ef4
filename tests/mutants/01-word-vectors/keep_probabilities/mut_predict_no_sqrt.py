def keep_probabilities(counts, t):
    frequency = counts.float() / counts.float().sum()
    return torch.sqrt(t / frequency.clamp(min=1e-30)).clamp(max=1.0)

KEEP_AT_4_PERCENT = 1e-3 / 0.04  # no square root
KEPT_RATIO_100 = 10
