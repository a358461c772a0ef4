def skipgram_pairs(ids, window):
    return lme.skipgram_pairs(ids, window, dynamic_window=False)
