def cooccurrence_matrix(ids, vocab_size, window):
    counts = torch.zeros(vocab_size, vocab_size, device=ids.device)
    values = ids.tolist()
    for i, w in enumerate(values):
        for j in range(max(0, i - window), min(len(values), i + window + 1)):
            if j != i:
                counts[w, values[j]] += 1
    return counts
