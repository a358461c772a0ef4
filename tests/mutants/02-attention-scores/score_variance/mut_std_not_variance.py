def predicted_score_variance(d, sigma, scaled=False):
    return float((d ** 0.5) * sigma ** 2 / (d ** 0.5 if scaled else 1))
