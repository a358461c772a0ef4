def pad_batch(sequences, pad_id):
    L = max(map(len, sequences))
    ids = torch.tensor([[float(x) for x in s] + [float(pad_id)] * (L - len(s)) for s in sequences])
    mask = torch.tensor([[1] * len(s) + [0] * (L - len(s)) for s in sequences])
    return ids, mask
