class MiniGPT(nn.Module):
    """Token + position embeddings, blocks, final LayerNorm, tied head."""

    def __init__(self, vocab_size: int, block_size: int, n_layer: int = 2, n_head: int = 2,
                 d_model: int = 64, norm_first: bool = True):
        super().__init__()
        self.vocab_size, self.block_size = vocab_size, block_size
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pos_emb = nn.Embedding(block_size, d_model)
        self.blocks = nn.ModuleList([Block(d_model, n_head, norm_first=norm_first) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d_model)
        self.lm_head = nn.Linear(d_model, vocab_size, bias=False)
        for name, p in self.named_parameters():
            if name.endswith("weight") and p.dim() == 2:
                nn.init.normal_(p, std=0.02)
            elif name.endswith("bias") and not name.startswith("ln_f") and ".norm" not in name:
                nn.init.zeros_(p)
        self.lm_head.weight = self.tok_emb.weight

    def forward(self, idx, targets=None):
        if idx.shape[-1] > self.block_size:
            raise ValueError("length %d is longer than block_size %d" % (idx.shape[-1], self.block_size))
        L = idx.shape[-1]
        pos = torch.arange(0, L, dtype=torch.long, device=idx.device)[None, :]
        x = self.tok_emb(idx) + self.pos_emb(pos)
        allowed = torch.arange(L)[:, None] >= torch.arange(L)[None, :]
        for i in range(len(self.blocks)):
            x, _w = self.blocks[i](x, mask=allowed)
        logits = self.lm_head(self.ln_f(x))
        loss = None if targets is None else F.cross_entropy(
            logits.view(-1, self.vocab_size), targets.reshape(-1), ignore_index=-100, reduction="mean")
        return logits, loss
