def pad_batch(sequences, pad_id):
    L = max(map(len, sequences))
    mask = torch.tensor([[1] * len(s) + [0] * (L - len(s)) for s in sequences])
    for s in sequences:
        s.extend([pad_id] * (L - len(s)))
    return torch.tensor(sequences), mask
