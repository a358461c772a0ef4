def one_hot(ids, vocab_size):
    out = torch.zeros(len(ids), vocab_size, device=ids.device)
    return out.scatter_(1, ids.unsqueeze(1), 1.0)
