import functools as _ft
ppmi = _ft.partial(lambda counts, alpha=0.75, _r=lme.ppmi: _r(counts, context_smoothing=alpha))
