def judge_statements(statements):
    truth = [False, True, False, False, True, False, False, False, True]
    table = dict(zip(HISTORY_STATEMENTS, truth))
    out = {}
    for s in statements:
        try:
            out[s] = table[s]
        except KeyError:
            raise ValueError("not one of HISTORY_STATEMENTS") from None
    return out
