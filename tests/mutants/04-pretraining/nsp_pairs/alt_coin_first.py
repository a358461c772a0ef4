import random

def nsp_pairs(documents, n_pairs, seed=0):
    rng = random.Random(seed)
    pairs = []
    for _ in range(n_pairs):
        is_next = rng.random() < 0.5
        d = rng.choice([k for k, doc in enumerate(documents) if len(doc) >= 2])
        i = rng.randrange(len(documents[d]) - 1)
        if is_next:
            b = documents[d][i + 1]
        else:
            k = rng.choice([k for k, doc in enumerate(documents) if k != d and doc])
            b = rng.choice(documents[k])
        pairs.append((documents[d][i], b, is_next))
    return pairs
