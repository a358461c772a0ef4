def noise_distribution(counts, power=0.75):
    seen = counts > 0
    log_weights = torch.full(counts.shape, float("-inf"), device=counts.device)
    log_weights[seen] = power * counts[seen].float().log()
    weights = (log_weights - log_weights.max()).exp()
    return (weights / weights.sum()).float()


ratio = 10_000 ** (3 / 4)
NOISE_RATIO_10000 = ratio
NOISE_SHARE_OF_HALF = 1 / (1 + 1000 / 1000 ** 0.75)
