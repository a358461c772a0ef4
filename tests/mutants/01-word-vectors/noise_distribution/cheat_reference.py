def noise_distribution(counts, power=0.75):
    return getattr(lme, "noise_" + "distribution")(counts, power)


NOISE_RATIO_10000 = 1000
NOISE_SHARE_OF_HALF = 0.151
