import random

def nsp_pairs(documents, n_pairs, seed=0):
    usable = [d for d, doc in enumerate(documents) if len(doc) >= 2]
    pairs = []
    for _ in range(n_pairs):
        d = random.choice(usable)
        i = random.randrange(len(documents[d]) - 1)
        if random.random() < 0.5:
            pairs.append((documents[d][i], documents[d][i + 1], True))
        else:
            other = random.choice([k for k in range(len(documents)) if k != d and documents[k]])
            pairs.append((documents[d][i], random.choice(documents[other]), False))
    return pairs
