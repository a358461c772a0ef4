class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, num_heads, bias=True):
        super().__init__()
        if d_model % num_heads:
            raise ValueError("divisible")
        self.h = num_heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d_model, d_model, bias=bias) for _ in range(4))

    def forward(self, x, mask=None):
        q, k, v = (split_heads(p(x), self.h) for p in (self.q_proj, self.k_proj, self.v_proj))
        s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
        e = s.exp()
        if mask is not None:
            e = e * mask
        w = e / e.sum(-1, keepdim=True)
        return self.out_proj(merge_heads(w @ v)), w


def load_torch_weights(mine, torch_mha):
    d = torch_mha.embed_dim
    with torch.no_grad():
        for i, p in enumerate((mine.q_proj, mine.k_proj, mine.v_proj)):
            p.weight.copy_(torch_mha.in_proj_weight[i * d:(i + 1) * d])
            if p.bias is not None:
                p.bias.copy_(torch_mha.in_proj_bias[i * d:(i + 1) * d])
        mine.out_proj.weight.copy_(torch_mha.out_proj.weight)
        if mine.out_proj.bias is not None:
            mine.out_proj.bias.copy_(torch_mha.out_proj.bias)
    return mine
