def judge_statements(statements):
    answers = {}
    for s in statements:
        if s not in HISTORY_STATEMENTS:
            raise ValueError(f"unknown statement: {s!r}")
        if "OpenAI" in s:
            answers[s] = "December 2015" in s
        elif "GPT-2" in s:
            answers[s] = "15亿" in s and "released checkpoints" not in s
        elif "GPT-3" in s:
            answers[s] = False
        else:  # PyTorch
            answers[s] = "Facebook" in s
    return answers
