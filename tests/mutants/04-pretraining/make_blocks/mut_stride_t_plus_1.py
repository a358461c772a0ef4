def make_blocks(ids, block_size):
    n = len(ids) // (block_size + 1)
    if n < 1:
        raise ValueError("short")
    chunks = ids[: n * (block_size + 1)].long().view(n, block_size + 1)
    return chunks[:, :-1], chunks[:, 1:]
