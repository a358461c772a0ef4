def count_gpt_parameters(vocab_size, block_size, n_layer, n_embd):
    def linear(i, o):
        return i * o + o
    d = n_embd
    block = 4 * linear(d, d) + linear(d, 4 * d) + linear(4 * d, d) + 2 * (2 * d)
    return vocab_size * d + block_size * d + n_layer * block + 2 * d
