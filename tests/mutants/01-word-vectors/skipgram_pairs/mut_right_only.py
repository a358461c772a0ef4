def skipgram_pairs(ids, window):
    n = len(ids)
    rows = [[int(ids[i]), int(ids[j])] for i in range(n) for j in range(i + 1, min(n, i + window + 1))]
    return torch.tensor(rows, dtype=torch.int64).view(-1, 2)
