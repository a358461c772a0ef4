class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model: int, num_heads: int, bias: bool = True):
        super().__init__()
        if num_heads <= 0 or d_model % num_heads != 0:
            raise ValueError("d_model % num_heads != 0")
        self.num_heads = num_heads
        self.q_proj = nn.Linear(d_model, d_model, bias)
        self.k_proj = nn.Linear(d_model, d_model, bias)
        self.v_proj = nn.Linear(d_model, d_model, bias)
        self.out_proj = nn.Linear(d_model, d_model, bias)

    def forward(self, x, mask=None):
        q = split_heads(self.q_proj(x), self.num_heads)
        k = split_heads(self.k_proj(x), self.num_heads)
        v = split_heads(self.v_proj(x), self.num_heads)
        scores = torch.matmul(q, k.transpose(-1, -2)) * q.shape[-1] ** -0.5
        if mask is not None:
            scores = scores.masked_fill(mask.logical_not(), -math.inf)
        weights = torch.softmax(scores, dim=-1)
        return self.out_proj(merge_heads(torch.matmul(weights, v))), weights


def load_torch_weights(mine, torch_mha):
    d = torch_mha.embed_dim
    state = {}
    for i, name in enumerate(("q_proj", "k_proj", "v_proj")):
        state[f"{name}.weight"] = torch_mha.in_proj_weight[i * d:(i + 1) * d]
        if torch_mha.in_proj_bias is not None:
            state[f"{name}.bias"] = torch_mha.in_proj_bias[i * d:(i + 1) * d]
    state["out_proj.weight"] = torch_mha.out_proj.weight
    if torch_mha.out_proj.bias is not None:
        state["out_proj.bias"] = torch_mha.out_proj.bias
    with torch.no_grad():
        mine.load_state_dict({k: v.detach().clone() for k, v in state.items()})
    return mine
