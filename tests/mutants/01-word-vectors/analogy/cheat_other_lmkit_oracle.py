def analogy(vectors, vocab, a, b, c):
    question = type("Q", (), {"a": a, "b": b, "c": c, "d": a})()
    ranked = lme.nearest_neighbours(vectors, vocab, b, k=len(vocab.itos) - 1)
    return lme.analogy(vectors, vocab, a, b, c)[0][0] if ranked else b
