def analogy(vectors, vocab, a, b, c):
    unit = vectors / vectors.norm(dim=-1, keepdim=True).clamp(min=1e-8)
    ia, ib, ic = vocab.stoi[a], vocab.stoi[b], vocab.stoi[c]
    scores = cosine_similarity(unit, unit[ia] - unit[ib] + unit[ic]).clone()
    scores[[ia, ib, ic]] = -float("inf")
    return vocab.itos[int(scores.argmax())]
