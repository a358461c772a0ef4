def analogy(vectors, vocab, a, b, c):
    ia, ib, ic = vocab.stoi[a], vocab.stoi[b], vocab.stoi[c]
    scores = cosine_similarity(vectors, vectors[ib] - vectors[ia] + vectors[ic]).clone()
    scores[[ia, ib, ic]] = -float("inf")
    return vocab.itos[int(scores.argmax())]
