def top_p(logits, p):
    sl, idx = torch.sort(logits, dim=-1, descending=True)
    cum = torch.softmax(sl, -1).cumsum(-1)
    n_keep = (cum < p).sum(-1, keepdim=True) + 1
    n_keep = n_keep.clamp(max=logits.shape[-1])
    rank = torch.empty_like(idx).scatter_(-1, idx, torch.arange(logits.shape[-1], device=logits.device).expand_as(idx).contiguous())
    return logits.masked_fill(rank >= n_keep, float("-inf"))
