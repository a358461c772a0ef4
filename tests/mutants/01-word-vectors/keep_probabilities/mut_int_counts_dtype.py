def keep_probabilities(counts, t):
    f = counts / counts.sum()
    return torch.sqrt(t / f.clamp(min=1e-30)).clamp(max=1.0).double()


KEEP_AT_4_PERCENT = 0.158
KEPT_RATIO_100 = 10
