def count_pairs(ids):
    return __import__("lmkit.tokenizers", fromlist=["x"]).count_pairs(ids)
