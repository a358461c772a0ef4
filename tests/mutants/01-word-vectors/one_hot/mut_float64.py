def one_hot(ids, vocab_size):
    return torch.eye(vocab_size, dtype=torch.float64, device=ids.device)[ids]
