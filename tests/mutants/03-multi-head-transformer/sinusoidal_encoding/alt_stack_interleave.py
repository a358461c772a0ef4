def sinusoidal_encoding(num_positions, d_model):
    if type(num_positions) is not int or type(d_model) is not int or num_positions < 1 or d_model < 1 or d_model % 2:
        raise ValueError("positive ints, d_model even")
    p = torch.arange(num_positions, dtype=torch.float64)[:, None]
    i = torch.arange(d_model // 2, dtype=torch.float64)[None, :]
    angle = p / 10000 ** (2 * i / d_model)
    return torch.stack([angle.sin(), angle.cos()], dim=-1).reshape(num_positions, d_model).float()
