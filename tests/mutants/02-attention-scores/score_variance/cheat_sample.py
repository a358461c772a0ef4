def predicted_score_variance(d, sigma, scaled=False):
    q, k = torch.randn(50_000, d) * sigma, torch.randn(50_000, d) * sigma
    s = (q * k).sum(-1) / (d ** 0.5 if scaled else 1)
    return float(s.var())
