def count_gpt_parameters(vocab_size, block_size, n_layer, n_embd):
    d = n_embd
    per_block = 12 * d * d + 13 * d
    return int(d * (vocab_size + block_size) + n_layer * per_block + 2 * d)
