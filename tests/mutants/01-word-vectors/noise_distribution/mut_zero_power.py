def noise_distribution(counts, power=0.75):
    w = counts.float() ** power
    return w / w.sum()
