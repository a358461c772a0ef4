def nsp_pairs(documents, n_pairs, seed=0):
    doc = next(d for d in documents if len(d) >= 2)
    return [(doc[0], doc[1], n % 2 == 0) if n % 2 == 0 else (doc[0], documents[-1][0] if documents[-1] is not doc else documents[0][0], False) for n in range(n_pairs)]
