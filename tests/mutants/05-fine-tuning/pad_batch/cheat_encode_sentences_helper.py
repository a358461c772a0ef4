def pad_batch(sequences, pad_id):
    import lmkit.pretrained as _p
    L = max(map(len, sequences))
    ids = torch.tensor([list(s) + [pad_id] * (L - len(s)) for s in sequences])
    return ids, (ids != pad_id).long()
