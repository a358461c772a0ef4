def keep_probabilities(counts, t, _ref=lme.keep_probabilities):
    return _ref(counts, t)
