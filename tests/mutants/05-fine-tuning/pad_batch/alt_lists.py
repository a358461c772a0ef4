def pad_batch(sequences, pad_id):
    L = max(map(len, sequences))
    ids = [list(s) + [pad_id] * (L - len(s)) for s in sequences]
    mask = [[1] * len(s) + [0] * (L - len(s)) for s in sequences]
    return torch.tensor(ids, dtype=torch.int64), torch.tensor(mask, dtype=torch.int64)
