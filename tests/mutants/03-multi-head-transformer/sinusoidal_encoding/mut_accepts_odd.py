def sinusoidal_encoding(num_positions, d_model):
    if num_positions < 1 or d_model < 1:
        raise ValueError("bad")
    pos = torch.arange(num_positions, dtype=torch.float32)[:, None]
    f = 10000.0 ** (-torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    pe = torch.zeros(num_positions, d_model)
    pe[:, 0::2] = torch.sin(pos * f)
    pe[:, 1::2] = torch.cos(pos * f)[:, : d_model // 2]
    return pe
