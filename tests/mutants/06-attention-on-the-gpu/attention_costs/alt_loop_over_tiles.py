def attention_costs(L: int, d: int, block_size: int, bytes_per_element: int = 2) -> dict:
    for value in (L, d, block_size, bytes_per_element):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("arguments must be ints")
        if value < 1:
            raise ValueError("arguments must be positive")
    moved = {"Q": L * d, "O": L * d}
    moved["K and V"] = sum(2 * L * d for _ in range(0, L, block_size))   # once per query tile
    steps = [(2 * L * d, L * L), (L * L, L * L), (L * L + L * d, L * d)]  # (read, write) of S, P, O
    naive = sum(read + written for read, written in steps)
    return {"flops": 2 * (L * L * d) * 2,
            "naive_bytes": naive * bytes_per_element,
            "tiled_bytes": sum(moved.values()) * bytes_per_element + 4 * L}
