def noise_distribution(counts, power=0.75):
    f = counts.float() / counts.sum()
    return torch.where(counts > 0, f ** power, torch.zeros(counts.shape))


NOISE_RATIO_10000 = 1000
NOISE_SHARE_OF_HALF = 0.151
