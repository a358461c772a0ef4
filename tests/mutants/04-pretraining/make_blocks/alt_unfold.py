def make_blocks(ids, block_size):
    n = (ids.shape[0] - 1) // block_size
    if n < 1:
        raise ValueError("not enough tokens for one block")
    ids = ids.to(torch.int64)
    return ids[: n * block_size].view(n, block_size), ids[1 : n * block_size + 1].view(n, block_size)
