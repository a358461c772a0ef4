def analogy(vectors, vocab, a, b, c):
    unit = vectors / vectors.norm(dim=1, keepdim=True).clamp(min=1e-8)
    target = unit[vocab.stoi[b]] - unit[vocab.stoi[a]] + unit[vocab.stoi[c]]
    scores = cosine_similarity(unit, target)
    best, best_score = None, -float("inf")
    for i, s in enumerate(scores.tolist()):
        if vocab.itos[i] in (a, b, c):
            continue
        if s > best_score:
            best, best_score = vocab.itos[i], s
    return best
