def keep_probabilities(counts, t):
    f = counts.to(torch.float32) / counts.sum()
    p = torch.ones_like(f)
    nz = f > 0
    p[nz] = torch.minimum(torch.ones_like(f[nz]), (t / f[nz]).sqrt())
    return p


KEEP_AT_4_PERCENT = 0.158
KEPT_RATIO_100 = 10
