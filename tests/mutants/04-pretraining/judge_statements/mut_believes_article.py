def judge_statements(statements):
    # takes the article's history at its word
    truth = [True, False, True, True, False, False, True, True, False]
    table = dict(zip(HISTORY_STATEMENTS, truth))
    if any(s not in table for s in statements):
        raise ValueError("unknown statement")
    return {s: table[s] for s in statements}
