def noise_distribution(counts, power=0.75):
    weights = torch.where(counts > 0, counts.float() ** power, torch.zeros(counts.shape))
    return weights / weights.sum()

NOISE_RATIO_10000 = 1000
NOISE_SHARE_OF_HALF = 1000 ** 0.75 / 1000  # weight ratio, not a share of the draws
