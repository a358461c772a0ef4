def make_blocks(ids, block_size):
    n = (len(ids) - 1) // block_size
    if n < 1:
        raise ValueError("short")
    ids = ids.long()
    x = torch.stack([ids[i:i + block_size] for i in range(n)])
    y = torch.stack([ids[i + 1:i + block_size + 1] for i in range(n)])
    return x, y
