def judge_statements(statements):
    truth = dict(zip(HISTORY_STATEMENTS, [False, True, False, False, True, False, False, False, True]))
    return {s: truth.get(s, False) for s in statements}
