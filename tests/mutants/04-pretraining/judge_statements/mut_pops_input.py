def judge_statements(statements):
    table = dict(zip(HISTORY_STATEMENTS, [False, True, False, False, True, False, False, False, True]))
    out = {}
    while statements:
        s = statements.pop(0)
        if s not in table:
            raise ValueError("unknown statement")
        out[s] = table[s]
    return out
