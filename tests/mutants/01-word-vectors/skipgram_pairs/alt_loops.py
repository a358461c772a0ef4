def skipgram_pairs(ids, window):
    n = len(ids)
    rows = [[int(ids[i]), int(ids[j])] for i in range(n) for j in range(max(0, i - window), min(n, i + window + 1)) if j != i]
    return torch.tensor(rows, dtype=torch.int64, device=ids.device).view(-1, 2)
