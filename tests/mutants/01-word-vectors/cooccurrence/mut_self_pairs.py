def cooccurrence_matrix(ids, vocab_size, window):
    counts = torch.zeros(vocab_size, vocab_size, device=ids.device)
    for k in range(0, window + 1):
        ones = torch.ones(len(ids) - k)
        counts.index_put_((ids[: len(ids) - k], ids[k:]), ones, accumulate=True)
        counts.index_put_((ids[k:], ids[: len(ids) - k]), ones, accumulate=True)
    return counts
