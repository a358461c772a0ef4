def my_gpt_from_03():
    """Your assignment-03 classes, pasted (indented) inside this function; returns your MiniGPT class."""
    def split_heads(x, num_heads):
        """(B, L, d_model) -> (B, num_heads, L, d_k)."""
        batch, length, d_model = x.shape
        return x.view(batch, length, num_heads, d_model // num_heads).transpose(1, 2)

    def merge_heads(x):
        """(B, H, L, d_k) -> (B, L, H * d_k)."""
        batch, heads, length, d_k = x.shape
        return x.transpose(1, 2).reshape(batch, length, heads * d_k)

    class MultiHeadSelfAttention(nn.Module):
        def __init__(self, d_model, num_heads, bias=True):
            super().__init__()
            self.num_heads, self.head_dim = num_heads, d_model // num_heads
            self.q_proj = nn.Linear(d_model, d_model, bias=bias)
            self.k_proj = nn.Linear(d_model, d_model, bias=bias)
            self.v_proj = nn.Linear(d_model, d_model, bias=bias)
            self.out_proj = nn.Linear(d_model, d_model, bias=bias)

        def forward(self, x, mask=None):
            q = split_heads(self.q_proj(x), self.num_heads)            # (B, H, L, d_k)
            k = split_heads(self.k_proj(x), self.num_heads)
            v = split_heads(self.v_proj(x), self.num_heads)
            scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)   # (B, H, L, L)
            if mask is not None:
                scores = scores.masked_fill(~mask, float("-inf"))
            weights = scores.softmax(dim=-1)
            return self.out_proj(merge_heads(weights @ v)), weights

    def residual_sublayer(x, sublayer, norm, norm_first):
        return x + sublayer(norm(x)) if norm_first else norm(x + sublayer(x))

    class FeedForward(nn.Module):
        def __init__(self, d_model, d_ff):
            super().__init__()
            self.fc_in, self.fc_out = nn.Linear(d_model, d_ff), nn.Linear(d_ff, d_model)

        def forward(self, x):
            return self.fc_out(F.gelu(self.fc_in(x)))

    class Block(nn.Module):
        def __init__(self, d_model, num_heads, d_ff=None, norm_first=True):
            super().__init__()
            self.norm_first = norm_first
            self.attn = MultiHeadSelfAttention(d_model, num_heads)
            self.ffn = FeedForward(d_model, 4 * d_model if d_ff is None else d_ff)
            self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)

        def forward(self, x, mask=None):
            x = residual_sublayer(x, lambda h: self.attn(h, mask)[0], self.norm1, self.norm_first)
            return residual_sublayer(x, self.ffn, self.norm2, self.norm_first), None

    class MiniGPT(nn.Module):
        """Token + position embeddings, n_layer Blocks, a final LayerNorm, an output layer tied to the embedding."""

        def __init__(self, vocab_size, block_size, n_layer=2, n_head=2, d_model=64, norm_first=True):
            super().__init__()
            self.block_size = block_size
            self.tok_emb = nn.Embedding(vocab_size, d_model)
            self.pos_emb = nn.Embedding(block_size, d_model)
            self.blocks = nn.ModuleList(Block(d_model, n_head, norm_first=norm_first) for _ in range(n_layer))
            self.ln_f = nn.LayerNorm(d_model)
            self.head = nn.Linear(d_model, vocab_size, bias=False)
            self.head.weight = self.tok_emb.weight                        # weight tying
            for module in self.modules():                                # GPT-2's initialisation
                if isinstance(module, (nn.Linear, nn.Embedding)):
                    nn.init.normal_(module.weight, std=0.02)
                if isinstance(module, nn.Linear) and module.bias is not None:
                    nn.init.zeros_(module.bias)

        def forward(self, idx, targets=None):
            batch, length = idx.shape
            if length > self.block_size:
                raise ValueError(f"sequence of {length} tokens is longer than block_size = {self.block_size}")
            x = self.tok_emb(idx) + self.pos_emb(torch.arange(length, device=idx.device))   # (B, L, d)
            causal = torch.ones(length, length, dtype=torch.bool, device=idx.device).tril()  # True = may attend
            for block in self.blocks:
                x, _ = block(x)
            logits = self.head(self.ln_f(x))                                                # (B, L, V)
            loss = None
            if targets is not None:
                loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
            return logits, loss

    return MiniGPT
