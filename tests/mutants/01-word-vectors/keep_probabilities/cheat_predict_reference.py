def keep_probabilities(counts, t):
    frequency = counts.float() / counts.float().sum()
    return torch.sqrt(t / frequency.clamp(min=1e-30)).clamp(max=1.0)

KEEP_AT_4_PERCENT = float(lme.keep_probabilities(torch.tensor([40, 960]), 1e-3)[0])  # measured, not predicted
KEPT_RATIO_100 = 10
