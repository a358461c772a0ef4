def ppmi(counts, alpha=0.75):
    total = counts.sum()
    pw = counts.sum(1, keepdim=True) / total
    c = counts.sum(0, keepdim=True)
    c = c if alpha is None else c.pow(alpha)
    pc = c / c.sum()
    out = torch.zeros_like(counts)
    seen = counts > 0
    pmi = torch.log(counts / total) - torch.log(pw) - torch.log(pc)
    out[seen] = pmi[seen].clamp(min=0)
    return out
