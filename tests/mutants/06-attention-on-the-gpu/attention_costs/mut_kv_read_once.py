def attention_costs(L: int, d: int, block_size: int, bytes_per_element: int = 2) -> dict:
    """{"flops", "naive_bytes", "tiled_bytes"} of one head's attention forward (ints)."""
    for name, value in (("L", L), ("d", d), ("block_size", block_size), ("bytes_per_element", bytes_per_element)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}")
    n_tiles = math.ceil(L / block_size)
    naive = 2 * L * d + L * L + L * L + L * L + L * L + L * d + L * d   # QK^T, softmax, PV in turn
    tiled = L * d + 2 * L * d + L * d                            # Q once, K and V per tile, O once
    return {"flops": 4 * L * L * d,
            "naive_bytes": naive * bytes_per_element,
            "tiled_bytes": tiled * bytes_per_element + 4 * L}
    ### END SOLUTION
