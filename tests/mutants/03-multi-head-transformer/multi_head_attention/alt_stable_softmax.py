class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, num_heads, bias=True):
        super().__init__()
        if d_model % num_heads:
            raise ValueError("d_model must be divisible by num_heads")
        self.h = num_heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d_model, d_model, bias=bias) for _ in range(4))

    def forward(self, x, mask=None):
        q, k, v = (split_heads(p(x), self.h) for p in (self.q_proj, self.k_proj, self.v_proj))
        s = torch.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(q.shape[-1])
        if mask is not None:
            s = torch.where(mask, s, torch.tensor(float("-inf"), dtype=s.dtype, device=s.device))
        s = s - s.amax(-1, keepdim=True)
        e = s.exp()
        w = e / e.sum(-1, keepdim=True)
        return self.out_proj(merge_heads(w @ v)), w


def load_torch_weights(mine, torch_mha):
    with torch.no_grad():
        Wq, Wk, Wv = torch_mha.in_proj_weight.chunk(3, dim=0)
        for p, W in zip((mine.q_proj, mine.k_proj, mine.v_proj), (Wq, Wk, Wv)):
            p.weight.copy_(W)
        if torch_mha.in_proj_bias is not None:
            for p, b in zip((mine.q_proj, mine.k_proj, mine.v_proj), torch_mha.in_proj_bias.chunk(3)):
                p.bias.copy_(b)
            mine.out_proj.bias.copy_(torch_mha.out_proj.bias)
        mine.out_proj.weight.copy_(torch_mha.out_proj.weight)
    return mine
