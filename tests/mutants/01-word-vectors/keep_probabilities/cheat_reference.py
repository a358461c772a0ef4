def keep_probabilities(counts, t):
    return sys.modules["lmkit.embeddings"].keep_probabilities(counts, t) if (sys := __import__("sys")) else None
