def ppmi(counts, alpha=0.75):
    total = counts.sum()
    ctx = counts.sum(0) if alpha is None else counts.sum(0) ** alpha
    expected = (counts.sum(1, keepdim=True) / total) * (ctx / ctx.sum())
    with torch.no_grad():
        ratio = (counts / total) / torch.where(expected > 0, expected, torch.ones_like(expected))
        pmi = torch.log(torch.where(counts > 0, ratio, torch.ones_like(ratio)))
    return torch.clamp(pmi, min=0.0)
