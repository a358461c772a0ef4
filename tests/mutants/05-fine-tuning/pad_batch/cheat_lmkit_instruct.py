def pad_batch(sequences, pad_id):
    from lmkit.instruct import pad_batch as padded
    return padded(sequences, pad_id)
