def make_blocks(ids, block_size):
    n = (len(ids) - 1) // block_size
    if n < 1:
        raise ValueError("short")
    vals = ids.tolist()[: n * block_size + 1]
    t = torch.tensor(vals, dtype=torch.long)
    return t[:-1].view(n, block_size), t[1:].view(n, block_size)
