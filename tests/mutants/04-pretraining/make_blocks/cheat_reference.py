def make_blocks(ids, block_size):
    import lmkit.training as _tr
    return _tr.token_blocks(ids, block_size)
