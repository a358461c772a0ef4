def noise_distribution(counts, power=0.75):
    return getattr(lme, "noise_" + "distribution")(counts, power)
