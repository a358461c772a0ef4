def training_estimates(n_params, n_layer, block_size, n_embd):
    return n_params + n_layer * block_size * n_embd, 16 * n_params
