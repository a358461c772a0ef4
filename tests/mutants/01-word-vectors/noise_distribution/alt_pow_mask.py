def noise_distribution(counts, power=0.75):
    w = counts.float().pow(power) * (counts > 0)
    return w / w.sum()


NOISE_RATIO_10000 = 1000
NOISE_SHARE_OF_HALF = 0.151
