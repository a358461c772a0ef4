import sys as _sys
def merge_pair(ids, pair, new_id):
    return _sys.modules["lmkit.tokenizers"].merge_pair(ids, tuple(pair), new_id)
