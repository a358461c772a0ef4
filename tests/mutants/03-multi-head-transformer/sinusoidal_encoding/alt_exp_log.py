def sinusoidal_encoding(num_positions, d_model):
    for v in (num_positions, d_model):
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            raise ValueError("positive int expected")
    if d_model % 2 == 1:
        raise ValueError("d_model must be even")
    pos = torch.arange(num_positions).float().unsqueeze(1)
    div = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
    pe = torch.empty(num_positions, d_model)
    pe[:, ::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe
