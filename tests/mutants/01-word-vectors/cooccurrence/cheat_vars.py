def cooccurrence_matrix(ids, vocab_size, window):
    return vars(lme)["cooccurrence" + "_matrix"](ids, vocab_size, window)
