import random

def nsp_pairs(documents, n_pairs, seed=0):
    rng = random.Random(seed)
    pairs = []
    for _ in range(n_pairs):
        d = rng.randrange(len(documents))
        i = rng.randrange(len(documents[d]))
        if rng.random() < 0.5 and i + 1 < len(documents[d]):
            pairs.append((documents[d][i], documents[d][i + 1], True))
        else:
            other = rng.choice([k for k in range(len(documents)) if k != d and documents[k]])
            pairs.append((documents[d][i], rng.choice(documents[other]), False))
    return pairs
