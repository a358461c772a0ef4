import random as _random


def predicted_score_variance(d, sigma, scaled=False):
    draws = []
    for _ in range(2_000):
        s = sum(_random.gauss(0, sigma) * _random.gauss(0, sigma) for _ in range(d))
        draws.append(s / (d ** 0.5 if scaled else 1))
    mean = sum(draws) / len(draws)
    return sum((x - mean) ** 2 for x in draws) / (len(draws) - 1)
