def ppmi(counts, alpha=0.75):
    total = counts.sum()
    w = counts.sum(1, keepdim=True)
    w = w if alpha is None else w ** alpha
    pc = counts.sum(0, keepdim=True) / total
    seen = counts > 0
    pmi = torch.log(torch.where(seen, counts / total, 1.0) / torch.where(seen, w / w.sum() * pc, 1.0))
    return torch.where(seen, pmi.clamp(min=0), torch.zeros_like(pmi))
