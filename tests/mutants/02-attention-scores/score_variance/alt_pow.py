import math as _math


def predicted_score_variance(d: int, sigma: float, scaled: bool = False) -> float:
    spread = _math.sqrt(d) * sigma * sigma      # standard deviation of q·k
    if scaled:
        spread /= _math.sqrt(d)
    return float(spread ** 2)
