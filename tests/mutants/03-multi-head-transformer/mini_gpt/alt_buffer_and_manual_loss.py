def gpt2_init(module):
    if isinstance(module, nn.Linear):
        torch.nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            module.bias.data.zero_()
    elif isinstance(module, nn.Embedding):
        torch.nn.init.normal_(module.weight, 0.0, 0.02)


class MiniGPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer=2, n_head=2, d_model=64, norm_first=True):
        super().__init__()
        self.block_size = block_size
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pos_emb = nn.Embedding(block_size, d_model)
        self.blocks = nn.ModuleList()
        for _ in range(n_layer):
            self.blocks.append(Block(d_model, n_head, 4 * d_model, norm_first))
        self.ln_f = nn.LayerNorm(d_model)
        self.lm_head = nn.Linear(d_model, vocab_size, bias=False)
        self.apply(gpt2_init)
        self.tok_emb.weight = self.lm_head.weight        # tied the other way round: still one tensor
        mask = torch.tril(torch.ones(block_size, block_size)).bool()
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, idx, targets=None):
        length = idx.size(1)
        if length > self.block_size:
            raise ValueError(f"block_size is {self.block_size}, got a sequence of {length}")
        h = self.tok_emb(idx) + self.pos_emb.weight[:length]
        for block in self.blocks:
            h = block(h, self.mask[:length, :length])[0]
        logits = self.lm_head(self.ln_f(h))
        if targets is None:
            return logits, None
        log_probs = logits.log_softmax(dim=-1)
        keep = targets != -100
        picked = log_probs[keep].gather(-1, targets[keep][:, None])[:, 0]
        return logits, -picked.mean()
