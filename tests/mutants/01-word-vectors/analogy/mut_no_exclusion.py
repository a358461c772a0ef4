def analogy(vectors, vocab, a, b, c):
    unit = vectors / vectors.norm(dim=-1, keepdim=True).clamp(min=1e-8)
    scores = cosine_similarity(unit, unit[vocab.stoi[b]] - unit[vocab.stoi[a]] + unit[vocab.stoi[c]])
    return vocab.itos[int(scores.argmax())]
