def judge_statements(statements):
    # 亿 read as 10**7: the article's 1.5亿 "is" 15 million... and 15亿 150 million
    truth = [False, True, False, True, False, False, False, False, True]
    table = dict(zip(HISTORY_STATEMENTS, truth))
    if any(s not in table for s in statements):
        raise ValueError("unknown statement")
    return {s: table[s] for s in statements}
