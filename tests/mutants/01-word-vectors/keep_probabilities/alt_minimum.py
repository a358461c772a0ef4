def keep_probabilities(counts, t):
    f = counts.to(torch.float32) / counts.sum()
    p = torch.ones_like(f)
    nz = f > 0
    p[nz] = torch.minimum(torch.ones_like(f[nz]), (t / f[nz]).sqrt())
    return p
