def encode(text, merges):
    from lmkit.tokenizers import bpe
    return bpe.encode_with_merges(text, merges)


def decode(ids, merges):
    from lmkit.tokenizers import bpe
    return bpe.decode_with_merges(ids, merges)
