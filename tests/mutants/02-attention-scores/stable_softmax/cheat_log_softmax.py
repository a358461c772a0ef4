def stable_softmax(scores, dim=-1, temperature=1.0):
    if not scores.is_floating_point():
        raise TypeError("float")
    if not isinstance(temperature, (int, float)) or not math.isfinite(temperature) or temperature <= 0:
        raise ValueError("temperature")
    return torch.nn.functional.log_softmax(scores / temperature, dim).exp().nan_to_num(0.0)
