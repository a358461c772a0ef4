def one_hot(ids, vocab_size):
    out = torch.zeros(len(ids), vocab_size, dtype=torch.long, device=ids.device)
    out[torch.arange(len(ids)), ids] = 1
    return out
