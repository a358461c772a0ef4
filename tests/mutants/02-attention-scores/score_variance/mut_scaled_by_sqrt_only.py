def predicted_score_variance(d, sigma, scaled=False):
    return float(d * sigma ** 4 / (d ** 0.5 if scaled else 1))
