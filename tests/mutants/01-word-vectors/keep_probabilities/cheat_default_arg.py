def keep_probabilities(counts, t, _ref=lme.keep_probabilities):
    return _ref(counts, t)


KEEP_AT_4_PERCENT = 0.158
KEPT_RATIO_100 = 10
