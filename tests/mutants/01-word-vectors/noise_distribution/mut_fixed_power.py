def noise_distribution(counts, power=0.75):
    w = torch.where(counts > 0, counts.float() ** 0.75, torch.zeros(counts.shape))
    return w / w.sum()


NOISE_RATIO_10000 = 1000
NOISE_SHARE_OF_HALF = 0.151
