def keep_probabilities(counts, t):
    f = counts.float() / counts.float().sum()
    return torch.where(f > 0, torch.sqrt(t / torch.where(f > 0, f, torch.ones_like(f))), torch.ones_like(f)).clamp(max=1.0)


KEEP_AT_4_PERCENT = 0.158
KEPT_RATIO_100 = 10
