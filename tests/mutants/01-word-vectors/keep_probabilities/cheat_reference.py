def keep_probabilities(counts, t):
    return sys.modules["lmkit.embeddings"].keep_probabilities(counts, t) if (sys := __import__("sys")) else None


KEEP_AT_4_PERCENT = 0.158
KEPT_RATIO_100 = 10
