def tiled_attention(q, k, v, block_size=64):
    if block_size < 1:
        raise ValueError("bs")
    return lmkit.attention.flash_attention(q, k, v, block_size=block_size)
