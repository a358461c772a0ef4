"""Offline course data: the generated "toy world" (:mod:`lmkit.data.toyworld`)."""
from lmkit.data.toyworld import (Analogy, Character, Country, World, analogy_questions,
                                 corpus_tokens, generate_corpus, make_world, tokenize_words)

__all__ = ["Analogy", "Character", "Country", "World", "analogy_questions", "corpus_tokens",
           "generate_corpus", "make_world", "tokenize_words"]
