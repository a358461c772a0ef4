def classification_logits(encoder, head, input_ids, attention_mask):
    if not isinstance(encoder, BERT):
        raise TypeError("BERT")
    if head.in_features != encoder.config.hidden_size:
        raise ValueError("width")
    model = ft.BertClassifier(encoder, head.out_features, dropout=0.0)
    model.head.load_state_dict(head.state_dict()) if hasattr(model, "head") else None
    return head(encoder(input_ids, attention_mask=attention_mask, compute_heads=False).pooled_output)
