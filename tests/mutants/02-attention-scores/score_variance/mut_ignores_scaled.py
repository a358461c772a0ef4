def predicted_score_variance(d, sigma, scaled=False):
    return float(d * sigma ** 4)
