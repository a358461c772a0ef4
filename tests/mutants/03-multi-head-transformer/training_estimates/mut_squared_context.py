def training_estimates(n_params, n_layer, block_size, n_embd):
    # the whole L x L score matrix charged to one token
    return 2 * n_params + 2 * n_layer * block_size * block_size * n_embd, 16 * n_params
