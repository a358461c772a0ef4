def noise_distribution(counts, power=0.75):
    w = torch.zeros(counts.shape[0], dtype=torch.float32, device=counts.device)
    nz = counts > 0
    w[nz] = counts[nz].float() ** power
    return w / w.sum()


NOISE_RATIO_10000 = 1000
NOISE_SHARE_OF_HALF = 0.151
