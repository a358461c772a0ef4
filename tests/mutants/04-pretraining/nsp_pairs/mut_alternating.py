import random

def nsp_pairs(documents, n_pairs, seed=0):
    rng = random.Random(seed)
    usable = [d for d, doc in enumerate(documents) if len(doc) >= 2]
    pairs = []
    for n in range(n_pairs):
        d = rng.choice(usable)
        i = rng.randrange(len(documents[d]) - 1)
        if n % 2 == 0:
            pairs.append((documents[d][i], documents[d][i + 1], True))
        else:
            other = rng.choice([k for k in range(len(documents)) if k != d and documents[k]])
            pairs.append((documents[d][i], rng.choice(documents[other]), False))
    return pairs
