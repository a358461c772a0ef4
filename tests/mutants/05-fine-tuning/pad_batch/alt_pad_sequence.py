def pad_batch(sequences, pad_id):
    rows = [torch.tensor(s, dtype=torch.long) for s in sequences]
    ids = torch.nn.utils.rnn.pad_sequence(rows, batch_first=True, padding_value=pad_id)
    lengths = torch.tensor([len(s) for s in sequences])
    mask = (torch.arange(ids.shape[1])[None, :] < lengths[:, None]).long()
    return ids, mask
