def analogy(vectors, vocab, a, b, c):
    unit = torch.nn.functional.normalize(vectors, dim=-1)
    q = [vocab.stoi[w] for w in (a, b, c)]
    scores = cosine_similarity(unit, unit[q[1]] - unit[q[0]] + unit[q[2]])
    for i in scores.topk(4).indices.tolist():
        if i not in q:
            return vocab.itos[i]
