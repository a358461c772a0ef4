def training_estimates(n_params: int, n_layer: int, block_size: int, n_embd: int) -> tuple[int, int]:
    flops = 0
    for _ in range(n_layer):
        keys_seen = block_size / 2          # causal: position t sees t keys, L/2 on average
        flops += 2 * keys_seen * n_embd     # scores q·k
        flops += 2 * keys_seen * n_embd     # weighted sum of values
    flops += 2 * n_params
    bytes_per_param = sum([4, 4, 4, 4])     # weight, gradient, exp_avg, exp_avg_sq
    return int(round(flops)), n_params * bytes_per_param
