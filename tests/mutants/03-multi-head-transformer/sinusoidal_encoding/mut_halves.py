def sinusoidal_encoding(num_positions, d_model):
    if not isinstance(num_positions, int) or not isinstance(d_model, int) or num_positions < 1 or d_model < 1 or d_model % 2:
        raise ValueError("bad")
    pos = torch.arange(num_positions, dtype=torch.float32)[:, None]
    f = 10000.0 ** (-torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    return torch.cat([torch.sin(pos * f), torch.cos(pos * f)], dim=1)
