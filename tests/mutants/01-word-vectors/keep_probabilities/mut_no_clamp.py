def keep_probabilities(counts, t):
    f = counts.float() / counts.float().sum()
    return torch.sqrt(t / f.clamp(min=1e-30))
