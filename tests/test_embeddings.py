"""Tests for lmkit.embeddings: vocabularies, count-based vectors, SGNS and evaluation."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from lmkit.embeddings import (
    AnalogyReport,
    SkipGramModel,
    UnknownWordError,
    Vocabulary,
    analogy,
    cooccurrence_matrix,
    cosine_similarity,
    evaluate_analogies,
    keep_probabilities,
    nearest_neighbours,
    noise_distribution,
    one_hot,
    ppmi,
    project_2d,
    sample_negatives,
    sgns_loss,
    skipgram_pairs,
    subsample,
    svd_vectors,
    train_sgns,
)

# ---------------------------------------------------------------------------
# Vocabulary and one-hot codes
# ---------------------------------------------------------------------------


def test_vocabulary_orders_by_count_then_alphabet():
    vocab = Vocabulary.build("b a c a b a d".split())
    assert vocab.itos == ["a", "b", "c", "d"]
    assert vocab.stoi == {"a": 0, "b": 1, "c": 2, "d": 3}
    assert vocab.counts.tolist() == [3, 2, 1, 1]
    assert vocab.counts.dtype == torch.long
    assert len(vocab) == 4 and "c" in vocab and "z" not in vocab


def test_vocabulary_accepts_sentences_and_min_count():
    vocab = Vocabulary.build([["the", "cat"], ["the", "dog"]], min_count=2)
    assert vocab.itos == ["the"]


def test_vocabulary_encode_decode_round_trip():
    vocab = Vocabulary.build("the cat sat on the mat".split())
    ids = vocab.encode(["the", "mat", "cat"])
    assert ids.dtype == torch.long and ids.tolist() == [0, vocab["mat"], vocab["cat"]]
    assert vocab.decode(ids) == ["the", "mat", "cat"]
    assert vocab.decode([1, 0]) == [vocab.itos[1], "the"]


def test_vocabulary_errors():
    vocab = Vocabulary.build("the cat sat".split())
    with pytest.raises(KeyError, match=r"word 'xyz' is not in the vocabulary \(3 words\)"):
        vocab.encode(["the", "xyz"])
    with pytest.raises(ValueError, match="not in the vocabulary"):  # also a ValueError
        vocab.index("dog")
    assert issubclass(UnknownWordError, KeyError) and issubclass(UnknownWordError, ValueError)
    with pytest.raises(ValueError, match="empty corpus"):
        Vocabulary.build([])
    with pytest.raises(ValueError, match="single words"):
        Vocabulary.build(["the cat sat", "a dog"])
    with pytest.raises(TypeError, match="strings"):
        Vocabulary.build([["the", 3]])
    with pytest.raises(ValueError, match="min_count=5"):
        Vocabulary.build("a b".split(), min_count=5)
    with pytest.raises(TypeError, match="got a str"):
        vocab.encode("the cat")
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        vocab.decode([0, 3])


def test_one_hot_times_matrix_is_row_lookup(device):
    gen = torch.Generator().manual_seed(0)
    table = torch.randn(7, 4, generator=gen).to(device)
    ids = torch.tensor([[3, 0], [6, 3]], device=device)
    codes = one_hot(ids, 7)
    assert codes.shape == (2, 2, 7) and codes.dtype == torch.float32 and codes.device.type == device.type
    assert torch.equal(codes.sum(-1), torch.ones(2, 2, device=device))
    assert codes[0, 0, 3] == 1 and codes[1, 0, 6] == 1
    torch.testing.assert_close(codes @ table, table[ids])


def test_one_hot_errors():
    with pytest.raises(TypeError, match="integer tensor"):
        one_hot(torch.tensor([0.0, 1.0]), 3)
    with pytest.raises(ValueError, match=r"\[0, 3\).*got id 3"):
        one_hot(torch.tensor([0, 3]), 3)
    with pytest.raises(ValueError, match="positive int"):
        one_hot(torch.tensor([0]), 0)
    with pytest.raises(TypeError, match="torch.Tensor"):
        one_hot([0, 1], 3)


# ---------------------------------------------------------------------------
# Count-based vectors
# ---------------------------------------------------------------------------


def _loop_cooccurrence(ids: list[int], vocab_size: int, window: int, harmonic: bool = False) -> torch.Tensor:
    counts = torch.zeros(vocab_size, vocab_size)
    for i, word in enumerate(ids):
        for j, other in enumerate(ids):
            if 0 < abs(i - j) <= window:
                counts[word, other] += 1.0 / abs(i - j) if harmonic else 1.0
    return counts


def test_cooccurrence_tiny_example_by_hand():
    # "a b a c" with window 1: pairs (a,b), (b,a), (a,c), each counted both ways.
    counts = cooccurrence_matrix(torch.tensor([0, 1, 0, 2]), 3, window=1)
    expected = torch.tensor([[0.0, 2.0, 1.0], [2.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    assert torch.equal(counts, expected)


@pytest.mark.parametrize("weighting", ["uniform", "harmonic"])
def test_cooccurrence_matches_loop_and_is_symmetric(device, weighting):
    gen = torch.Generator().manual_seed(1)
    ids = torch.randint(0, 6, (40,), generator=gen)
    counts = cooccurrence_matrix(ids.to(device), 6, window=3, weighting=weighting)
    assert counts.device.type == device.type
    torch.testing.assert_close(counts, counts.T)
    expected = _loop_cooccurrence(ids.tolist(), 6, 3, harmonic=weighting == "harmonic")
    torch.testing.assert_close(counts.cpu(), expected)


def test_cooccurrence_respects_sentences():
    ids = torch.tensor([0, 1, 2, 3])
    counts = cooccurrence_matrix(ids, 4, window=2, sentence_ids=torch.tensor([0, 0, 1, 1]))
    expected = torch.zeros(4, 4)
    expected[0, 1] = expected[1, 0] = expected[2, 3] = expected[3, 2] = 1
    assert torch.equal(counts, expected)


def test_cooccurrence_errors():
    with pytest.raises(ValueError, match=r"shape \(N,\)"):
        cooccurrence_matrix(torch.zeros(2, 2, dtype=torch.long), 3)
    with pytest.raises(ValueError, match="weighting"):
        cooccurrence_matrix(torch.tensor([0, 1]), 2, weighting="gaussian")
    with pytest.raises(ValueError, match="window"):
        cooccurrence_matrix(torch.tensor([0, 1]), 2, window=0)


def test_ppmi_two_by_two_by_hand():
    counts = torch.tensor([[1.0, 3.0], [3.0, 1.0]])
    # Total 8; every row and column sums to 4, so P(w) = P(c) = 1/2.
    # PMI(0,0) = log((1/8) / (1/4)) = -log 2 -> clipped to 0; PMI(0,1) = log((3/8)/(1/4)) = log 1.5.
    expected = torch.tensor([[0.0, math.log(1.5)], [math.log(1.5), 0.0]])
    torch.testing.assert_close(ppmi(counts, context_smoothing=None), expected)
    # With smoothing the context marginals are still equal here, so nothing changes.
    torch.testing.assert_close(ppmi(counts), expected)


def test_ppmi_smoothing_and_unseen_pairs(device):
    counts = torch.tensor([[0.0, 4.0, 1.0], [4.0, 0.0, 2.0], [1.0, 2.0, 2.0]], device=device)
    result = ppmi(counts, context_smoothing=0.75)
    assert result.device.type == device.type
    assert bool((result >= 0).all()) and result[0, 0] == 0 and result[1, 1] == 0
    total = counts.sum()
    p_word = counts.sum(1) / total
    context = counts.sum(0) ** 0.75
    p_context = context / context.sum()
    expected = torch.log((counts / total) / (p_word[:, None] * p_context[None, :])).clamp(min=0)
    expected[counts == 0] = 0
    torch.testing.assert_close(result, expected)


def test_ppmi_errors():
    with pytest.raises(ValueError, match="non-negative"):
        ppmi(torch.tensor([[1.0, -1.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="positive total"):
        ppmi(torch.zeros(2, 2))
    with pytest.raises(TypeError, match="floating-point"):
        ppmi(torch.ones(2, 2, dtype=torch.long))
    with pytest.raises(ValueError, match=r"\(N, d\)"):
        ppmi(torch.ones(3))


def test_svd_vectors_reconstruct_and_power(device):
    gen = torch.Generator().manual_seed(2)
    left = torch.randn(8, 3, generator=gen)
    matrix = (left @ left.T).to(device)  # symmetric, rank 3
    vectors = svd_vectors(matrix, 3, power=1.0)
    assert vectors.shape == (8, 3) and vectors.device.type == device.type
    # For a PSD matrix U S Uᵀ = M, so (U S^½)(U S^½)ᵀ reproduces M.
    half = svd_vectors(matrix, 3)
    torch.testing.assert_close(half @ half.T, matrix, atol=1e-4, rtol=1e-4)
    # Signs are fixed: the largest entry of each column is positive.
    column_max = vectors.gather(0, vectors.abs().argmax(0, keepdim=True))
    assert bool((column_max > 0).all())
    with pytest.raises(ValueError, match="at most min"):
        svd_vectors(matrix, 9)


# ---------------------------------------------------------------------------
# Skip-gram pairs, subsampling, noise
# ---------------------------------------------------------------------------


def test_skipgram_pairs_by_hand():
    ids = torch.tensor([10, 11, 12, 13])
    pairs = skipgram_pairs(ids, 1, dynamic_window=False)
    expected = [[10, 11], [11, 10], [11, 12], [12, 11], [12, 13], [13, 12]]
    assert pairs.dtype == torch.long and pairs.tolist() == expected
    pairs = skipgram_pairs(ids, 2, dynamic_window=False)
    assert pairs.tolist() == [
        [10, 11], [10, 12],
        [11, 10], [11, 12], [11, 13],
        [12, 10], [12, 11], [12, 13],
        [13, 11], [13, 12],
    ]  # fmt: skip


def test_skipgram_pairs_dynamic_window_is_subset_with_near_bias(device):
    ids = torch.arange(200, device=device)  # ids equal positions, so offsets are visible
    full = skipgram_pairs(ids, 4, dynamic_window=False)
    dynamic = skipgram_pairs(ids, 4, generator=torch.Generator().manual_seed(0))
    assert dynamic.device.type == device.type
    offsets = (dynamic[:, 1] - dynamic[:, 0]).abs()
    assert 0 < dynamic.shape[0] < full.shape[0]
    assert bool((offsets >= 1).all() and (offsets <= 4).all())
    per_offset = torch.bincount(offsets.cpu(), minlength=5)[1:]
    assert per_offset.tolist() == sorted(per_offset.tolist(), reverse=True)  # nearer is more frequent
    # Same generator seed, same pairs.
    again = skipgram_pairs(ids, 4, generator=torch.Generator().manual_seed(0))
    assert torch.equal(dynamic, again)


def test_skipgram_pairs_stay_in_sentence():
    ids = torch.tensor([0, 1, 2, 3, 4])
    pairs = skipgram_pairs(ids, 3, dynamic_window=False, sentence_ids=torch.tensor([0, 0, 0, 1, 1]))
    assert pairs.tolist() == [[0, 1], [0, 2], [1, 0], [1, 2], [2, 0], [2, 1], [3, 4], [4, 3]]


def test_skipgram_pairs_errors():
    with pytest.raises(TypeError, match="integer"):
        skipgram_pairs(torch.tensor([0.5]), 2)
    with pytest.raises(ValueError, match="window"):
        skipgram_pairs(torch.tensor([0, 1]), 0)
    with pytest.raises(TypeError, match="Generator"):
        skipgram_pairs(torch.tensor([0, 1]), 1, generator=0)
    assert skipgram_pairs(torch.tensor([5]), 2).shape == (0, 2)


def test_keep_probabilities_formula():
    counts = torch.tensor([9000, 900, 90, 10, 0])
    keep = keep_probabilities(counts, t=1e-3)
    frequency = counts.double() / counts.sum()
    expected = torch.sqrt(1e-3 / frequency[:4]).clamp(max=1)
    torch.testing.assert_close(keep[:4].double(), expected, rtol=1e-5, atol=1e-7)
    assert keep[-1] == 1 and keep[3] == 1  # rare and unseen words are always kept
    assert bool((keep[:-1].diff() >= 0).all())  # more frequent -> dropped more often
    with pytest.raises(ValueError, match="t must be"):
        keep_probabilities(counts, t=0)
    with pytest.raises(ValueError, match="non-negative"):
        keep_probabilities(torch.tensor([1, -1]))


def test_subsample_keeps_expected_fraction(device):
    counts = torch.tensor([900, 100])
    ids = torch.cat([torch.zeros(9000, dtype=torch.long), torch.ones(1000, dtype=torch.long)]).to(device)
    kept = subsample(ids, counts, t=0.01, generator=torch.Generator().manual_seed(0))
    assert kept.device.type == device.type and kept.dtype == torch.long
    keep = keep_probabilities(counts, t=0.01)  # word 0: sqrt(0.01/0.9) ≈ 0.105; word 1: sqrt(0.1) ≈ 0.316
    assert abs((kept == 0).sum().item() / 9000 - keep[0].item()) < 0.02
    assert abs((kept == 1).sum().item() / 1000 - keep[1].item()) < 0.05
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        subsample(torch.tensor([2]), counts)


def test_noise_distribution_and_sampling(device):
    counts = torch.tensor([16, 1, 0, 81], device=device)
    noise = noise_distribution(counts)
    expected = torch.tensor([8.0, 1.0, 0.0, 27.0], device=device) / 36  # counts ** 0.75
    torch.testing.assert_close(noise, expected)
    flat = noise_distribution(counts, power=0.0)
    torch.testing.assert_close(flat, torch.tensor([1.0, 1.0, 0.0, 1.0], device=device) / 3)
    draws = sample_negatives(noise, (400, 50), generator=torch.Generator().manual_seed(0))
    assert draws.shape == (400, 50) and draws.dtype == torch.long and draws.device.type == device.type
    assert not bool((draws == 2).any())  # zero-probability words are never drawn
    frequencies = torch.bincount(draws.flatten().cpu(), minlength=4).float() / draws.numel()
    torch.testing.assert_close(frequencies, expected.cpu(), atol=0.01, rtol=0)
    with pytest.raises(ValueError, match="positive total"):
        noise_distribution(torch.zeros(3))
    with pytest.raises(ValueError, match=r"\(V,\)"):
        sample_negatives(torch.ones(2, 2), 3)


# ---------------------------------------------------------------------------
# The SGNS loss and model
# ---------------------------------------------------------------------------


def _loop_sgns_loss(center, context, negatives):
    total = 0.0
    for b in range(center.shape[0]):
        v_c = center[b]
        example = math.log(1 / (1 + math.exp(-float(context[b] @ v_c))))
        for k in range(negatives.shape[1]):
            example += math.log(1 / (1 + math.exp(float(negatives[b, k] @ v_c))))
        total += -example
    return total / center.shape[0]


def test_sgns_loss_matches_loop(device):
    gen = torch.Generator().manual_seed(3)
    center, context, negatives = (torch.randn(*s, generator=gen) for s in [(6, 5), (6, 5), (6, 4, 5)])
    loss = sgns_loss(center.to(device), context.to(device), negatives.to(device))
    assert loss.dim() == 0 and loss.device.type == device.type
    assert loss.item() == pytest.approx(_loop_sgns_loss(center, context, negatives), rel=1e-5)


def test_sgns_loss_is_stable_for_large_scores():
    center = torch.full((1, 2), 100.0)
    loss = sgns_loss(center, -center, center.unsqueeze(1))  # both scores badly wrong
    assert torch.isfinite(loss) and loss.item() == pytest.approx(4 * 10_000, rel=1e-4)


def test_sgns_gradient_matches_analytic():
    gen = torch.Generator().manual_seed(4)
    v_c = torch.randn(1, 6, generator=gen, requires_grad=True)
    u_o = torch.randn(1, 6, generator=gen)
    u_k = torch.randn(1, 3, 6, generator=gen)
    sgns_loss(v_c, u_o, u_k).backward()
    # d/dv_c of −log σ(u_o·v_c) − Σ log σ(−u_k·v_c) = (σ(u_o·v_c) − 1) u_o + Σ σ(u_k·v_c) u_k
    with torch.no_grad():
        analytic = (torch.sigmoid(u_o[0] @ v_c[0]) - 1) * u_o[0] + (torch.sigmoid(u_k[0] @ v_c[0])[:, None] * u_k[0]).sum(0)
    torch.testing.assert_close(v_c.grad[0], analytic)


def test_sgns_gradcheck_fp64():
    gen = torch.Generator().manual_seed(5)
    inputs = tuple(torch.randn(*s, generator=gen, dtype=torch.float64, requires_grad=True) for s in [(3, 4), (3, 4), (3, 2, 4)])
    assert torch.autograd.gradcheck(sgns_loss, inputs)


def test_sgns_loss_errors():
    good = torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 4, 3)
    with pytest.raises(ValueError, match=r"center must have shape \(B, d\); got \(3,\)"):
        sgns_loss(torch.zeros(3), good[1], good[2])
    with pytest.raises(ValueError, match=r"negatives must have shape \(2, K, 3\); got \(2, 4, 5\)"):
        sgns_loss(good[0], good[1], torch.zeros(2, 4, 5))
    with pytest.raises(ValueError, match="context must have the shape"):
        sgns_loss(good[0], torch.zeros(2, 4), good[2])
    with pytest.raises(TypeError, match="floating-point"):
        sgns_loss(good[0].long(), good[1], good[2])
    with pytest.raises(ValueError, match="B = 0"):
        sgns_loss(torch.zeros(0, 3), torch.zeros(0, 3), torch.zeros(0, 4, 3))


def test_skipgram_model_init_and_forward(device):
    torch.manual_seed(0)
    model = SkipGramModel(10, 8).to(device)
    assert model.in_embed.weight.abs().max() <= 0.5 / 8 and model.out_embed.weight.abs().max() == 0
    loss = model(torch.tensor([1, 2], device=device), torch.tensor([3, 4], device=device), torch.tensor([[5, 6], [7, 8]], device=device))
    # With u = 0 every score is 0 and the loss is (1 + K) log 2.
    assert loss.item() == pytest.approx(3 * math.log(2), rel=1e-6)
    assert model.word_vectors().shape == (10, 8) and not model.word_vectors().requires_grad


# ---------------------------------------------------------------------------
# Similarity, neighbours, analogies, projection
# ---------------------------------------------------------------------------


def test_cosine_similarity_broadcasts_and_handles_zero(device):
    a = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]], device=device)
    b = torch.tensor([2.0, 0.0], device=device)
    sims = cosine_similarity(a, b)
    torch.testing.assert_close(sims, torch.tensor([1.0, 1 / math.sqrt(2), 0.0], device=device))
    table = cosine_similarity(a[:, None, :], a[None, :, :])
    assert table.shape == (3, 3)
    torch.testing.assert_close(table, F.cosine_similarity(a[:, None], a[None], dim=-1))
    with pytest.raises(ValueError, match="same last dimension"):
        cosine_similarity(a, torch.ones(3))
    with pytest.raises(TypeError, match="floating-point"):
        cosine_similarity(a, torch.ones(2, dtype=torch.long))


def _hand_built_world():
    """Countries and capitals: capital = country + a shared 'capital-of' offset."""
    words = ["france", "paris", "japan", "tokyo", "italy", "rome", "cat"]
    vocab = Vocabulary(words, [1] * len(words))
    country = {"france": [1.0, 0.0, 0.0], "japan": [0.0, 1.0, 0.0], "italy": [0.8, 0.6, 0.0]}
    offset = torch.tensor([0.0, 0.0, 1.0])
    rows = []
    for word in words:
        if word in country:
            rows.append(torch.tensor(country[word]))
        elif word == "cat":
            rows.append(torch.tensor([-1.0, -1.0, 0.2]))
        else:
            rows.append(torch.tensor(country[words[words.index(word) - 1]]) + offset)
    return torch.stack(rows), vocab


def test_nearest_neighbours_word_and_vector():
    vectors, vocab = _hand_built_world()
    neighbours = nearest_neighbours(vectors, vocab, "france", k=2)
    assert [w for w, _ in neighbours] == ["italy", "paris"]
    assert neighbours[0][1] == pytest.approx(0.8, rel=1e-5)
    assert "france" not in dict(nearest_neighbours(vectors, vocab, "france", k=10))
    by_vector = nearest_neighbours(vectors, vocab, vectors[0], k=1)
    assert by_vector[0][0] == "france" and by_vector[0][1] == pytest.approx(1.0)
    assert [w for w, _ in nearest_neighbours(vectors, vocab, "france", k=1, exclude=["italy"])] == ["paris"]
    with pytest.raises(KeyError, match="'berlin' is not in the vocabulary"):
        nearest_neighbours(vectors, vocab, "berlin")
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        nearest_neighbours(vectors, vocab, torch.ones(4))
    with pytest.raises(ValueError, match=r"one row per word"):
        nearest_neighbours(vectors[:3], vocab, "france")


def test_analogy_3cosadd():
    vectors, vocab = _hand_built_world()
    assert analogy(vectors, vocab, "france", "paris", "japan")[0][0] == "tokyo"
    assert analogy(vectors, vocab, "paris", "france", "rome")[0][0] == "italy"
    top = analogy(vectors, vocab, "france", "paris", "japan", k=3)
    assert len(top) == 3 and not {"france", "paris", "japan"} & {w for w, _ in top}
    assert top[0][1] >= top[1][1] >= top[2][1]


def test_evaluate_analogies_counts_and_skips():
    vectors, vocab = _hand_built_world()
    questions = [
        ("france", "paris", "japan", "tokyo", "capital"),
        ("japan", "tokyo", "italy", "rome", "capital"),
        ("france", "paris", "japan", "cat", "wrong"),  # the right 3CosAdd answer is tokyo, so this misses
        ("france", "paris", "spain", "madrid", "capital"),  # not in the vocabulary
    ]
    report = evaluate_analogies(vectors, vocab, questions)
    assert isinstance(report, AnalogyReport)
    assert (report.correct, report.total, report.skipped) == (2, 3, 1)
    assert report.accuracy == pytest.approx(2 / 3)
    assert report.per_relation == {"capital": 1.0, "wrong": 0.0}
    # Agrees with analogy() question by question.
    for a, b, c, d, _ in questions[:3]:
        assert (analogy(vectors, vocab, a, b, c)[0][0] == d) == (d != "cat")
    assert "66.7%" in str(report)
    assert math.isnan(evaluate_analogies(vectors, vocab, [questions[3]]).accuracy)
    with pytest.raises(ValueError, match="at least one question"):
        evaluate_analogies(vectors, vocab, [])
    with pytest.raises(TypeError, match="a, b, c, d"):
        evaluate_analogies(vectors, vocab, [("a", "b")])


def test_project_2d_is_pca(device):
    gen = torch.Generator().manual_seed(6)
    # Points spread mostly along (1, 1, 0), a little along (0, 0, 1).
    coefficients = torch.randn(50, 2, generator=gen) * torch.tensor([5.0, 1.0])
    points = coefficients @ torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]) + 3.0
    projected = project_2d(points.to(device))
    assert projected.shape == (50, 2) and projected.device.type == device.type
    torch.testing.assert_close(projected.mean(0), torch.zeros(2, device=device), atol=1e-4, rtol=0)
    # Distances are preserved (the data are exactly 2-D) and the first axis has the most variance.
    exact = "donot_use_mm_for_euclid_dist"
    distances = torch.cdist(projected, projected, compute_mode=exact).cpu()
    torch.testing.assert_close(distances, torch.cdist(points, points, compute_mode=exact), atol=1e-3, rtol=1e-4)
    assert projected[:, 0].var() > projected[:, 1].var()
    with pytest.raises(ValueError, match="at least 2 vectors"):
        project_2d(torch.ones(1, 3))


# ---------------------------------------------------------------------------
# End to end on the toy world
# ---------------------------------------------------------------------------


def test_train_sgns_validates_input():
    vocab = Vocabulary.build("a b c".split())
    with pytest.raises(TypeError, match="Vocabulary"):
        train_sgns(["a b c"], {"a": 0})
    with pytest.raises(ValueError, match="corpus is empty"):
        train_sgns(["x y"], vocab, progress=False)
    with pytest.raises(ValueError, match="dim must be a positive int"):
        train_sgns(["a b c"], vocab, dim=0)
    with pytest.raises(TypeError, match="list of sentences"):
        train_sgns("a b c", vocab)


def test_train_sgns_learns_toy_world_analogies():
    toyworld = pytest.importorskip("lmkit.data.toyworld")
    world = toyworld.make_world(seed=0)
    sentences = toyworld.generate_corpus(world, n_sentences=6000, seed=0)
    vocab = Vocabulary.build([s.split() for s in sentences])
    vectors, losses = train_sgns(sentences, vocab, dim=32, epochs=4, batch_size=256, seed=0, progress=False)
    assert vectors.shape == (len(vocab), 32) and torch.isfinite(vectors).all()
    assert sum(losses[-20:]) / 20 < 0.8 * sum(losses[:20]) / 20  # the loss went down
    report = evaluate_analogies(vectors, vocab, world.analogy_questions())
    assert report.total > 0
    assert report.accuracy >= 0.5, str(report)
