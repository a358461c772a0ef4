def make_blocks(ids, block_size):
    n = (len(ids) - 1) // block_size
    if n < 1:
        raise ValueError("short")
    x = ids[: n * block_size].long().view(n, block_size)
    return x, x.clone()
