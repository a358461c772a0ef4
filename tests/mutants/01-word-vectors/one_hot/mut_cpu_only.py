def one_hot(ids, vocab_size):
    out = torch.zeros(len(ids), vocab_size)
    out[torch.arange(len(ids)), ids.cpu()] = 1.0
    return out
