def build_inputs_and_labels(tokenizer, prompt, response, ignore_index=-100):
    return lmkit.instruct.build_inputs_and_labels(tokenizer, prompt, response, ignore_index)
