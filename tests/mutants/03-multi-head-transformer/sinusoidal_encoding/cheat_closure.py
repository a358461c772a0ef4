def _factory():
    cls = getattr(__import__("lmkit.layers", fromlist=["x"]), "Sinusoidal" + "PositionalEncoding")
    def sinusoidal_encoding(num_positions, d_model):
        if not isinstance(num_positions, int) or not isinstance(d_model, int) or num_positions < 1 or d_model % 2:
            raise ValueError("bad")
        return cls(d_model, max_len=num_positions).pe.clone()
    return sinusoidal_encoding
sinusoidal_encoding = _factory()
