def classification_logits(encoder, head, input_ids, attention_mask):
    if not isinstance(encoder, BERT):
        raise TypeError("BERT")
    if head.in_features != encoder.config.hidden_size:
        raise ValueError("width")
    h = encoder(input_ids, attention_mask=attention_mask, compute_heads=False).last_hidden_state
    m = attention_mask[..., None].float()
    return head((h * m).sum(1) / m.sum(1))
