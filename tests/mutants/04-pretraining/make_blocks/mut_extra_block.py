def make_blocks(ids, block_size):
    n = -(-(len(ids) - 1) // block_size)
    if len(ids) <= block_size:
        raise ValueError("short")
    pad = torch.zeros(n * block_size + 1 - len(ids), dtype=torch.long)
    used = torch.cat([ids.long(), pad])
    return used[:-1].reshape(n, block_size), used[1:].reshape(n, block_size)
