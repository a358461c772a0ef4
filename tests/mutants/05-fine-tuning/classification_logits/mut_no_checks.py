def classification_logits(encoder, head, input_ids, attention_mask):
    return head(encoder(input_ids, attention_mask=attention_mask, compute_heads=False).pooled_output)
