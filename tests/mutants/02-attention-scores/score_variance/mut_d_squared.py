def predicted_score_variance(d, sigma, scaled=False):
    return float((d * sigma ** 2) ** 2 / (d if scaled else 1))
