def noise_distribution(counts, power=0.75):
    return torch.softmax(power * torch.log(counts.float()), dim=0)
