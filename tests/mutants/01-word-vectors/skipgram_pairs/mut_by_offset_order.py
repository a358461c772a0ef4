def skipgram_pairs(ids, window):
    out = []
    for k in list(range(-window, 0)) + list(range(1, window + 1)):
        for i in range(len(ids)):
            if 0 <= i + k < len(ids):
                out.append([int(ids[i]), int(ids[i + k])])
    return torch.tensor(out, dtype=torch.int64).view(-1, 2)
