def make_blocks(ids, block_size):
    n = (len(ids) - 1) // block_size
    if n < 1:
        raise ValueError("short")
    used = ids[: n * block_size + 1]
    return used[:-1].reshape(n, block_size), used[1:].reshape(n, block_size)
