def keep_probabilities(counts, t):
    f = counts.float() / counts.float().sum()
    return torch.where(counts > 0, torch.sqrt(t / f).clamp(max=1.0), torch.zeros_like(f))


KEEP_AT_4_PERCENT = 0.158
KEPT_RATIO_100 = 10
