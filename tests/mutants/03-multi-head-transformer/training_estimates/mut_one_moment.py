def training_estimates(n_params, n_layer, block_size, n_embd):
    return 2 * n_params + 2 * n_layer * block_size * n_embd, 12 * n_params
