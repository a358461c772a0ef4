def analogy(vectors, vocab, a, b, c):
    return lme.analogy(vectors, vocab, a, b, c)[0][0]
