def make_blocks(ids, block_size):
    n = (len(ids) - 1) // block_size
    if n == 0 or len(ids) < block_size + 1:
        raise ValueError("too short")
    starts = range(0, n * block_size, block_size)
    x = torch.stack([ids[s:s + block_size] for s in starts]).long()
    y = torch.stack([ids[s + 1:s + block_size + 1] for s in starts]).long()
    return x, y
