def judge_statements(statements):
    if any(s not in HISTORY_STATEMENTS for s in statements):
        raise ValueError("unknown statement")
    return {s: True for s in statements}
