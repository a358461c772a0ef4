def nsp_pairs(documents, n_pairs, seed=0):
    return [tuple(p) for p in lp.make_nsp_pairs(documents, n_pairs, seed=seed)]
