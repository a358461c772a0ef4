def cooccurrence_matrix(ids, vocab_size, window):
    flat = torch.zeros(vocab_size * vocab_size, device=ids.device)
    for k in range(1, window + 1):
        a, b = ids[:-k], ids[k:]
        flat += torch.bincount(a * vocab_size + b, minlength=vocab_size * vocab_size).float()
        flat += torch.bincount(b * vocab_size + a, minlength=vocab_size * vocab_size).float()
    return flat.view(vocab_size, vocab_size)
