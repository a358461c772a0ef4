def attention_costs(L, d, block_size, bytes_per_element=2):
    args = {"L": L, "d": d, "block_size": block_size, "bytes_per_element": bytes_per_element}
    if any(type(value) is not int or value <= 0 for value in args.values()):
        raise ValueError(f"positive ints expected; got {args}")
    tiles = -(-L // block_size)
    return dict(flops=4 * L * L * d,
                naive_bytes=bytes_per_element * 4 * L * (L + d),
                tiled_bytes=bytes_per_element * 2 * L * d * (1 + tiles) + 4 * L)
