def one_hot(ids, vocab_size):
    out = torch.zeros(len(ids), vocab_size, device=ids.device)
    out[torch.arange(len(ids)), (ids + 1) % vocab_size] = 1.0
    return out
