def one_hot(ids, vocab_size):
    out = torch.zeros(vocab_size, len(ids), device=ids.device)
    out[ids, torch.arange(len(ids))] = 1.0
    return out
