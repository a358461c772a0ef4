def predicted_score_variance(d, sigma, scaled=False):
    return float(sigma ** 4)
