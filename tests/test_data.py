"""Tests for the toy world (lmkit.data.toyworld): determinism, truth, task generators, errors."""
import pytest

from lmkit.data import toyworld as tw


@pytest.fixture(scope="module")
def world():
    return tw.make_world(seed=0)


@pytest.fixture(scope="module")
def corpus(world):
    return tw.generate_corpus(world, n_sentences=3000, seed=0)


def test_corpus_is_deterministic_in_seed(world, corpus):
    assert tw.generate_corpus(world, n_sentences=3000, seed=0) == corpus
    assert tw.generate_corpus(world, n_sentences=3000, seed=1) != corpus
    assert len(corpus) == 3000


def test_sentences_are_lowercase_and_split_cleanly(corpus):
    for s in corpus[:200]:
        assert s == s.lower()
        assert s.split() == tw.tokenize_words(s)


def test_tokenize_words_splits_punctuation():
    assert tw.tokenize_words("Paris, is [MASK].") == ["paris", ",", "is", "[mask]", "."]
    with pytest.raises(TypeError, match="str"):
        tw.tokenize_words(3)


def test_every_relation_is_one_to_one(world):
    for name, pairs in world.relations().items():
        left, right = zip(*pairs)
        assert len(set(left)) == len(left), name
        assert len(set(right)) == len(right), name


def test_known_facts_are_true(world):
    rel = world.relations()
    assert ("france", "paris") in rel["capital"]
    assert ("japan", "yen") in rel["currency"]
    assert ("king", "queen") in rel["gender"]
    assert ("mouse", "mice") in rel["plural"]
    assert ("go", "went") in rel["past_tense"]


def test_analogy_words_all_appear_in_corpus(world, corpus):
    vocab = set(tw.corpus_tokens(corpus))
    questions = world.analogy_questions()
    assert questions
    for q in questions:
        assert {q.a, q.b, q.c, q.d} <= vocab, q


def test_analogy_questions_count_cap_and_errors(world):
    pairs = world.relations()["gender"]
    qs = world.analogy_questions(["gender"])
    assert len(qs) == len(pairs) * (len(pairs) - 1)
    assert all(q.relation == "gender" and q.a != q.c for q in qs)
    assert len(world.analogy_questions(["gender"], max_per_relation=5)) == 5
    with pytest.raises(ValueError, match="unknown relation"):
        world.analogy_questions(["nonsense"])


def test_generate_corpus_rejects_bad_size(world):
    with pytest.raises(ValueError, match="n_sentences"):
        tw.generate_corpus(world, n_sentences=0)


def test_world_seed_changes_characters_only(world):
    other = tw.make_world(seed=5)
    assert other.countries == world.countries
    assert other.characters != world.characters


def test_cloze_probes_have_one_mask_and_true_answer(world):
    facts = {(r, a, b) for r, ps in world.relations().items() for a, b in ps}
    probes = tw.cloze_probes(world)
    assert len(probes) == 6 * len(world.countries)
    for p in probes:
        assert p.sentence.split().count("[MASK]") == 1
        filled = p.sentence.replace("[MASK]", p.answer).split()
        assert any(a in filled and b in filled for r, a, b in facts if r == p.relation)


def test_true_false_statements_balanced_and_correct(world):
    items = tw.true_false_statements(world, 100, seed=3)
    assert sum(label for _, label in items) == 50
    facts = {(a, b) for r in ("capital", "language", "currency") for a, b in world.relations()[r]}
    for sentence, label in items:
        words = sentence.split()
        is_fact = any(a in words and b in words for a, b in facts)
        assert is_fact == label, sentence
    assert tw.true_false_statements(world, 100, seed=3) == items
    with pytest.raises(ValueError):
        tw.true_false_statements(world, 0)


def test_agreement_examples_point_at_subject_and_verb(world):
    singular = {s for s, _ in world.plural_pairs}
    plural = {p for _, p in world.plural_pairs}
    examples = tw.agreement_examples(world, 200, seed=0, max_distractors=3)
    assert any(len(e.tokens) > 6 for e in examples)
    for e in examples:
        subject, verb = e.tokens[e.subject_index], e.tokens[e.verb_index]
        assert subject in (plural if e.plural else singular)
        assert verb in ({"are", "were", "walk", "sleep"} if e.plural else {"is", "was", "walks", "sleeps"})
        distractors = [t for t in e.tokens[e.subject_index + 1:e.verb_index] if t in singular | plural]
        assert all((t in plural) != e.plural for t in distractors)


def test_coreference_antecedent_matches_pronoun_gender(world):
    gender = {c.name: c.gender for c in world.characters}
    for e in tw.coreference_examples(world, 100, seed=0):
        pronoun = e.tokens[e.pronoun_index]
        antecedent = e.tokens[e.antecedent_index]
        assert gender[antecedent] == ("male" if pronoun == "he" else "female")
        others = [t for t in e.tokens if t in gender and t != antecedent]
        assert len(others) == 1 and gender[others[0]] != gender[antecedent]
