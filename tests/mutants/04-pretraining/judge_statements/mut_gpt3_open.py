def judge_statements(statements):
    truth = [False, True, False, False, True, False, True, False, True]
    table = dict(zip(HISTORY_STATEMENTS, truth))
    if any(s not in table for s in statements):
        raise ValueError("unknown statement")
    return {s: table[s] for s in statements}
