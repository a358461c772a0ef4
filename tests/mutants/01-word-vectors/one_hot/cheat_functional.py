def one_hot(ids, vocab_size):
    return torch.nn.functional.one_hot(ids, vocab_size).float()
