def classification_logits(encoder, head, input_ids, attention_mask):
    if not isinstance(encoder, BERT):
        raise TypeError("encoder must be an lmkit.models.BERT")
    if head.in_features != encoder.config.hidden_size:
        raise ValueError("head input width must equal the hidden size")
    out = encoder(input_ids, attention_mask=attention_mask, compute_heads=False)
    return head(out.pooled_output)
