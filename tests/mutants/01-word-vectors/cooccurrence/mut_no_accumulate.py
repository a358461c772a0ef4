def cooccurrence_matrix(ids, vocab_size, window):
    counts = torch.zeros(vocab_size, vocab_size, device=ids.device)
    for k in range(1, window + 1):
        counts[ids[:-k], ids[k:]] += 1
        counts[ids[k:], ids[:-k]] += 1
    return counts
