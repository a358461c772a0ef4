def noise_distribution(counts, power=0.75):
    return torch.softmax(power * torch.log(counts.float()), dim=0)


NOISE_RATIO_10000 = 1000
NOISE_SHARE_OF_HALF = 0.151
