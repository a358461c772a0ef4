def ppmi(counts, alpha=0.75):
    return globals()["lme"].ppmi(counts, context_smoothing=alpha)
