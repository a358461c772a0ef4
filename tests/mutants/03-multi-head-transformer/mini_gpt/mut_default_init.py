class MiniGPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer=2, n_head=2, d_model=64, norm_first=True):
        super().__init__()
        self.block_size = block_size
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pos_emb = nn.Embedding(block_size, d_model)
        self.blocks = nn.ModuleList(Block(d_model, n_head, norm_first=norm_first) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(d_model)
        self.lm_head = nn.Linear(d_model, vocab_size, bias=False)
        self.lm_head.weight = self.tok_emb.weight

    def forward(self, idx, targets=None):
        B, L = idx.shape
        if L > self.block_size:
            raise ValueError(f"{L} tokens > block_size {self.block_size}")
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(L))
        mask = torch.ones(L, L, dtype=torch.bool).tril()
        for block in self.blocks:
            x, _ = block(x, mask)
        logits = self.lm_head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=-100)
        return logits, loss
