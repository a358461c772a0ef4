def skipgram_pairs(ids, window):
    n = len(ids)
    rows = [[i, j] for i in range(n) for j in range(max(0, i - window), min(n, i + window + 1)) if j != i]
    return torch.tensor(rows, dtype=torch.int64).view(-1, 2)
