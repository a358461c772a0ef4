def classification_logits(encoder, head, input_ids, attention_mask):
    if not isinstance(encoder, BERT):
        raise TypeError("BERT")
    if head.in_features != encoder.config.hidden_size:
        raise ValueError("width")
    with torch.no_grad():
        return head(encoder(input_ids, attention_mask=attention_mask, compute_heads=False).pooled_output)
