def count_gpt_parameters(vocab_size, block_size, n_layer, n_embd):
    d = n_embd
    return 2 * vocab_size * d + block_size * d + n_layer * (12 * d * d + 13 * d) + 2 * d
