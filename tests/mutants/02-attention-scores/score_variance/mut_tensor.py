def predicted_score_variance(d, sigma, scaled=False):
    return torch.tensor(d * sigma ** 4 / (d if scaled else 1))
