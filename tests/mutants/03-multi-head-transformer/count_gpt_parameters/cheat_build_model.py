def count_gpt_parameters(vocab_size, block_size, n_layer, n_embd):
    return GPT(GPTConfig(vocab_size=vocab_size, block_size=block_size, n_layer=n_layer, n_head=1, n_embd=n_embd)).num_parameters()
