def make_blocks(ids, block_size):
    return getattr(lp, "token" + "_blocks")(ids, block_size)
