def one_hot(ids, vocab_size):
    size = int(ids.max()) + 1
    return torch.eye(size, device=ids.device)[ids]
