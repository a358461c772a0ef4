def classification_logits(encoder, head, input_ids, attention_mask):
    if type(encoder).__name__ != "BERT" or not isinstance(encoder, BERT):
        raise TypeError(f"not a BERT: {type(encoder).__name__}")
    width = getattr(head, "in_features", None)
    if width is not None and width != encoder.config.hidden_size:
        raise ValueError("width mismatch")
    pooled = encoder(input_ids=input_ids, attention_mask=attention_mask, compute_heads=False).pooled_output
    return torch.nn.functional.linear(pooled, head.weight, head.bias)
