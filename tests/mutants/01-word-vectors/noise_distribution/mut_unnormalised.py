def noise_distribution(counts, power=0.75):
    return torch.where(counts > 0, counts.float() ** power, torch.zeros(counts.shape))


NOISE_RATIO_10000 = 1000
NOISE_SHARE_OF_HALF = 0.151
