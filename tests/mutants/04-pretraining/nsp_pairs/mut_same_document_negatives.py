import random

def nsp_pairs(documents, n_pairs, seed=0):
    rng = random.Random(seed)
    usable = [d for d, doc in enumerate(documents) if len(doc) >= 2]
    pairs = []
    for _ in range(n_pairs):
        d = rng.choice(usable)
        i = rng.randrange(len(documents[d]) - 1)
        if rng.random() < 0.5:
            pairs.append((documents[d][i], documents[d][i + 1], True))
        else:
            pairs.append((documents[d][i], rng.choice([s for doc in documents for s in doc]), False))
    return pairs
