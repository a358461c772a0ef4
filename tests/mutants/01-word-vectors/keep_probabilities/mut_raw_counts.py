def keep_probabilities(counts, t):
    return torch.sqrt(t / counts.float().clamp(min=1e-30)).clamp(max=1.0)
