def one_hot(ids, vocab_size):
    return (ids.unsqueeze(-1) == torch.arange(vocab_size, device=ids.device)).float()
