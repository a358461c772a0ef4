import random

def nsp_pairs(documents, n_pairs, seed=0):
    rng = random.Random(seed)
    starts = [d for d in range(len(documents)) if len(documents[d]) > 1]
    out = []
    while len(out) < n_pairs:
        d = rng.choice(starts)
        i = rng.randint(0, len(documents[d]) - 2)
        a = documents[d][i]
        if rng.random() < 0.5:
            out.append((a, documents[d][i + 1], True))
        else:
            others = [s for k, doc in enumerate(documents) if k != d for s in doc]
            out.append((a, rng.choice(others), False))
    return out
