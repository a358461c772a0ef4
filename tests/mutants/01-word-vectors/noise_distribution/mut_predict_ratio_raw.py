def noise_distribution(counts, power=0.75):
    weights = torch.where(counts > 0, counts.float() ** power, torch.zeros(counts.shape))
    return weights / weights.sum()

NOISE_RATIO_10000 = 10000
NOISE_SHARE_OF_HALF = 0.151
