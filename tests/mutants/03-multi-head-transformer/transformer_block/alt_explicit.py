def residual_sublayer(x, sublayer, norm, norm_first):
    return x + sublayer(norm(x)) if norm_first else norm(x + sublayer(x))


class FeedForward(nn.Module):
    def __init__(self, d_model, d_ff):
        super().__init__()
        self.fc_in = nn.Linear(d_model, d_ff)
        self.fc_out = nn.Linear(d_ff, d_model)

    def forward(self, x):
        h = self.fc_in(x)
        return self.fc_out(0.5 * h * (1 + torch.erf(h / math.sqrt(2))))


class Block(nn.Module):
    def __init__(self, d_model, num_heads, d_ff=None, norm_first=True):
        super().__init__()
        self.norm_first = norm_first
        self.attn = MultiHeadSelfAttention(d_model, num_heads)
        self.ffn = FeedForward(d_model, d_ff or 4 * d_model)
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)

    def forward(self, x, mask=None):
        if self.norm_first:
            a, w = self.attn(self.norm1(x), mask)
            x = x + a
            return x + self.ffn(self.norm2(x)), w
        a, w = self.attn(x, mask)
        x = self.norm1(x + a)
        return self.norm2(x + self.ffn(x)), w
