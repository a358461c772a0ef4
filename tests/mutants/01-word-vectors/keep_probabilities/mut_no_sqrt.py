def keep_probabilities(counts, t):
    f = counts.float() / counts.float().sum()
    return (t / f.clamp(min=1e-30)).clamp(max=1.0)
