"""Report how well SGNS and PPMI+SVD vectors solve the toy world's analogies.

Usage: python benchmarks/toyworld_analogies.py [--sentences 6000] [--epochs 4] [--dim 32]

Prints accuracy per relation (3CosAdd, question words excluded) and the time taken,
so that changes to the corpus templates can be judged by numbers.
"""
from __future__ import annotations

import argparse
import time
from collections import defaultdict

import torch

from lmkit.data import toyworld
from lmkit.embeddings import (Vocabulary, cooccurrence_matrix, evaluate_analogies, ppmi,
                              svd_vectors, train_sgns)


def per_relation(vectors, vocab, questions) -> dict[str, float]:
    by_relation = defaultdict(list)
    for q in questions:
        by_relation[q.relation].append(q)
    scores = {rel: evaluate_analogies(vectors, vocab, qs).accuracy for rel, qs in sorted(by_relation.items())}
    scores["overall"] = evaluate_analogies(vectors, vocab, questions).accuracy
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=int, default=6000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--dim", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(2)

    world = toyworld.make_world(seed=0)
    sentences = toyworld.generate_corpus(world, n_sentences=args.sentences, seed=0)
    vocab = Vocabulary.build([s.split() for s in sentences])
    questions = world.analogy_questions()
    print(f"{len(sentences)} sentences, {sum(len(s.split()) for s in sentences)} tokens, "
          f"{len(vocab)} word types, {len(questions)} analogy questions")

    start = time.perf_counter()
    sgns, _ = train_sgns(sentences, vocab, dim=args.dim, epochs=args.epochs, batch_size=256,
                         seed=0, progress=False)
    sgns_time = time.perf_counter() - start

    start = time.perf_counter()
    encoded = [vocab.encode(s.split()) for s in sentences]
    ids = torch.cat(encoded)
    sentence_ids = torch.cat([torch.full((len(e),), i) for i, e in enumerate(encoded)])
    counts = cooccurrence_matrix(ids, len(vocab), window=4, sentence_ids=sentence_ids)
    svd = svd_vectors(ppmi(counts), dim=args.dim)
    svd_time = time.perf_counter() - start

    results = {"sgns": (per_relation(sgns, vocab, questions), sgns_time),
               "ppmi+svd": (per_relation(svd, vocab, questions), svd_time)}
    relations = list(next(iter(results.values()))[0])
    print(f"{'method':10s} {'seconds':>8s} " + " ".join(f"{r:>11s}" for r in relations))
    for method, (scores, seconds) in results.items():
        print(f"{method:10s} {seconds:8.1f} " + " ".join(f"{scores[r]:11.2f}" for r in relations))


if __name__ == "__main__":
    main()
