def residual_sublayer(x, sublayer, norm, norm_first):
    if norm_first:
        x += sublayer(norm(x))
        return x
    return norm(x + sublayer(x))


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
        w = []
        with torch.no_grad():
            x = residual_sublayer(x, lambda h: w.append(self.attn(h, mask)) or w[-1][0], self.norm1, self.norm_first)
            return residual_sublayer(x, self.ffn, self.norm2, self.norm_first), w[-1][1]
