def pad_batch(sequences, pad_id):
    L = max(map(len, sequences))
    ids = [[pad_id] * (L - len(s)) + list(s) for s in sequences]
    mask = [[0] * (L - len(s)) + [1] * len(s) for s in sequences]
    return torch.tensor(ids), torch.tensor(mask)
