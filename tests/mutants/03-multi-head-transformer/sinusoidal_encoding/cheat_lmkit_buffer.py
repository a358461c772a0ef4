def sinusoidal_encoding(num_positions, d_model):
    if not isinstance(num_positions, int) or not isinstance(d_model, int) or num_positions < 1 or d_model < 1 or d_model % 2:
        raise ValueError("bad")
    return SinusoidalPositionalEncoding(d_model, max_len=num_positions).pe.clone()
