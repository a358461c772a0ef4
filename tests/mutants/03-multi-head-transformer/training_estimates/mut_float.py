def training_estimates(n_params, n_layer, block_size, n_embd):
    return 2.0 * n_params + n_layer * block_size * n_embd * 2.0, 16.0 * n_params
