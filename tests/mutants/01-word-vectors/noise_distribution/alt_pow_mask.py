def noise_distribution(counts, power=0.75):
    w = counts.float().pow(power) * (counts > 0)
    return w / w.sum()
