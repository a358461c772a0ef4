class MiniGPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer=2, n_head=2, d_model=64, norm_first=True):
        super().__init__()
        gpt = GPT(GPTConfig(vocab_size=vocab_size, block_size=block_size, n_layer=n_layer, n_head=n_head,
                            n_embd=d_model, activation="gelu"))
        self.tok_emb, self.blocks, self.ln_f, self.lm_head = gpt.wte, gpt.blocks, gpt.ln_f, gpt.lm_head
        self.pos_emb = gpt.wpe.embedding
        for block in self.blocks:
            block.norm_first = norm_first
        self._run = gpt.forward          # lmkit's GPT does the work on the same modules

    def forward(self, idx, targets=None):
        out = self._run(idx, targets)
        return out.logits, out.loss
