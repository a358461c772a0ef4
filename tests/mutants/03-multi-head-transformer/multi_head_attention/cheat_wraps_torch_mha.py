class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, num_heads, bias=True):
        super().__init__()
        if d_model % num_heads:
            raise ValueError("divisible")
        self.h = num_heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d_model, d_model, bias=bias) for _ in range(4))

    def forward(self, x, mask=None):
        d = x.shape[-1]
        w_in = torch.cat([self.q_proj.weight, self.k_proj.weight, self.v_proj.weight])
        b_in = torch.cat([self.q_proj.bias, self.k_proj.bias, self.v_proj.bias]) if self.q_proj.bias is not None else None
        out, w = F.multi_head_attention_forward(
            x.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1), d, self.h, w_in, b_in, None, None, False, 0.0,
            self.out_proj.weight, self.out_proj.bias, attn_mask=None if mask is None else ~mask.expand(x.shape[0], 1, x.shape[1], x.shape[1]).repeat(1, self.h, 1, 1).reshape(-1, x.shape[1], x.shape[1]),
            need_weights=True, average_attn_weights=False)
        return out.transpose(0, 1), w


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
