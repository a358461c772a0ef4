def noise_distribution(counts, power=0.75):
    return torch.where(counts > 0, counts.float() ** power, torch.zeros(counts.shape))
