"""A small, TRUE, curated world the course generates its own text from.

The geography table is a simplified, curated selection of real countries chosen so that
every relation (capital, language, currency) is one-to-one inside the table.  Sentences
are lower-case with punctuation as separate tokens, so ``str.split()`` tokenises them.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from lmkit.data.templates import (COUNTRY_TEMPLATES, FILLER_TEMPLATES, GENDER_TEMPLATES, PAST_TEMPLATES,
                                  PLURAL_TEMPLATES, pair_sentence, with_article)

__all__ = ["Country", "Character", "Analogy", "World", "make_world", "generate_corpus",
           "cloze_probes", "true_false_statements", "agreement_examples", "coreference_examples",
           "ClozeProbe", "AgreementExample", "CoreferenceExample",
           "tokenize_words", "corpus_tokens", "analogy_questions", "VERB_PAIRS"]


@dataclass(frozen=True)
class Country:
    name: str
    capital: str
    language: str
    currency: str


@dataclass(frozen=True)
class Character:
    name: str
    gender: str  # "male" or "female"
    job: str
    home: str  # a capital city


@dataclass(frozen=True)
class Analogy:
    """a : b :: c : d, all four from the same relation."""
    a: str
    b: str
    c: str
    d: str
    relation: str


# Curated, true, one-to-one: capital, language and currency unique within this table, and no
# contested fact (no country whose capital is disputed; no name that two states share).
_COUNTRIES = [
    Country("france", "paris", "french", "euro"),
    Country("japan", "tokyo", "japanese", "yen"),
    Country("russia", "moscow", "russian", "ruble"),
    Country("china", "beijing", "chinese", "yuan"),
    Country("india", "delhi", "hindi", "rupee"),
    Country("england", "london", "english", "pound"),
    Country("poland", "warsaw", "polish", "zloty"),
    Country("sweden", "stockholm", "swedish", "krona"),
    Country("turkey", "ankara", "turkish", "lira"),
    Country("norway", "oslo", "norwegian", "krone"),
    Country("thailand", "bangkok", "thai", "baht"),
    Country("brazil", "brasilia", "portuguese", "real"),
    Country("vietnam", "hanoi", "vietnamese", "dong"),
    Country("hungary", "budapest", "hungarian", "forint"),
    Country("peru", "lima", "spanish", "sol"),
    Country("iran", "tehran", "persian", "rial"),
    Country("ukraine", "kyiv", "ukrainian", "hryvnia"),
    Country("czechia", "prague", "czech", "koruna"),
    Country("romania", "bucharest", "romanian", "leu"),
    Country("indonesia", "jakarta", "indonesian", "rupiah"),
]
_GENDER = [("king", "queen"), ("prince", "princess"), ("man", "woman"), ("boy", "girl"),
           ("father", "mother"), ("son", "daughter"), ("brother", "sister"),
           ("husband", "wife"), ("uncle", "aunt"), ("nephew", "niece"),
           ("grandfather", "grandmother"), ("actor", "actress")]
_PLURAL = [("cat", "cats"), ("dog", "dogs"), ("bird", "birds"), ("horse", "horses"),
           ("car", "cars"), ("book", "books"), ("tree", "trees"), ("house", "houses"),
           ("apple", "apples"), ("child", "children"), ("mouse", "mice"), ("foot", "feet")]
_PAST = [("walk", "walked"), ("play", "played"), ("jump", "jumped"), ("cook", "cooked"),
         ("paint", "painted"), ("dance", "danced"), ("go", "went"), ("eat", "ate"),
         ("see", "saw"), ("write", "wrote"), ("run", "ran"), ("sing", "sang")]
_MALE_NAMES = ["tom", "james", "peter", "david", "paul", "mark", "john", "george"]
_FEMALE_NAMES = ["anna", "mary", "sarah", "emma", "lucy", "kate", "julia", "helen"]
_JOBS = ["doctor", "teacher", "farmer", "pilot", "baker", "lawyer", "nurse", "engineer"]


@dataclass(frozen=True)
class World:
    """The toy world: true facts plus seed-chosen characters."""
    countries: tuple[Country, ...]
    gender_pairs: tuple[tuple[str, str], ...]
    plural_pairs: tuple[tuple[str, str], ...]
    past_pairs: tuple[tuple[str, str], ...]
    characters: tuple[Character, ...] = field(default=())

    @classmethod
    def default(cls) -> "World":
        return make_world(seed=0)

    def relations(self) -> dict[str, list[tuple[str, str]]]:
        """Relation name -> list of (a, b) pairs, each relation one-to-one."""
        return {
            "capital": [(c.name, c.capital) for c in self.countries],
            "language": [(c.name, c.language) for c in self.countries],
            "currency": [(c.name, c.currency) for c in self.countries],
            "gender": list(self.gender_pairs),
            "plural": list(self.plural_pairs),
            "past_tense": list(self.past_pairs),
        }

    def analogy_questions(self, relations: list[str] | None = None, *,
                          max_per_relation: int | None = None, seed: int = 0) -> list[Analogy]:
        return analogy_questions(self, relations, max_per_relation=max_per_relation, seed=seed)


def make_world(seed: int = 0) -> World:
    """Build the world; ``seed`` picks the characters' jobs and home cities only."""
    rng = random.Random(seed)
    capitals = [c.capital for c in _COUNTRIES]
    characters = tuple(
        Character(name, gender, rng.choice(_JOBS), rng.choice(capitals))
        for names, gender in ((_MALE_NAMES, "male"), (_FEMALE_NAMES, "female"))
        for name in names)
    return World(tuple(_COUNTRIES), tuple(_GENDER), tuple(_PLURAL), tuple(_PAST), characters)


def analogy_questions(world: World, relations: list[str] | None = None, *,
                      max_per_relation: int | None = None, seed: int = 0) -> list[Analogy]:
    """All a:b :: c:d over ordered pairs of distinct pairs of each relation (optionally capped)."""
    table = world.relations()
    names = list(table) if relations is None else list(relations)
    unknown = [r for r in names if r not in table]
    if unknown:
        raise ValueError(f"unknown relation(s) {unknown}; expected some of {sorted(table)}")
    rng = random.Random(seed)
    questions: list[Analogy] = []
    for name in names:
        pairs = table[name]
        qs = [Analogy(a, b, c, d, name) for (a, b) in pairs for (c, d) in pairs if a != c]
        if max_per_relation is not None and len(qs) > max_per_relation:
            qs = rng.sample(qs, max_per_relation)
        questions.extend(qs)
    return questions


def generate_corpus(world: World | None = None, *, n_sentences: int = 6000,
                    seed: int = 0) -> list[str]:
    """``n_sentences`` lower-case sentences about ``world``, deterministic in (world, n, seed)."""
    if not isinstance(n_sentences, int) or n_sentences < 1:
        raise ValueError(f"n_sentences must be an int >= 1; got {n_sentences!r}")
    world = make_world(0) if world is None else world
    rng = random.Random(seed)
    makers = [
        lambda: rng.choice(COUNTRY_TEMPLATES).format(**_country_fields(rng.choice(world.countries))),
        lambda: pair_sentence(rng, GENDER_TEMPLATES, world.gender_pairs),
        lambda: pair_sentence(rng, PLURAL_TEMPLATES, world.plural_pairs),
        lambda: pair_sentence(rng, PAST_TEMPLATES, world.past_pairs),
        lambda: rng.choice(FILLER_TEMPLATES).format(**_character_fields(rng.choice(world.characters))),
    ]
    weights = [0.3, 0.25, 0.2, 0.2, 0.05]
    return [rng.choices(makers, weights)[0]() for _ in range(n_sentences)]


def _country_fields(c: Country) -> dict[str, str]:
    return {"country": c.name, "capital": c.capital, "language": c.language, "currency": c.currency}


def _character_fields(ch: Character) -> dict[str, str]:
    return {"name": ch.name, "job": ch.job, "a_job": with_article(ch.job), "home": ch.home}


_TOKEN = re.compile(r"\[mask\]|[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")


def tokenize_words(text: str) -> list[str]:
    """Lower-case ``text`` and split it into words, with punctuation as separate tokens."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str; got {type(text).__name__}")
    return _TOKEN.findall(text.lower())


def corpus_tokens(sentences: list[str]) -> list[str]:
    """All tokens of ``sentences`` (a list of str) concatenated, in order."""
    if isinstance(sentences, str):  # iterating a str would tokenise it one character at a time
        raise TypeError(f"sentences must be a list of str, not one str; got {sentences[:40]!r} (wrap it in a list)")
    if not hasattr(sentences, "__iter__"):
        raise TypeError(f"sentences must be a list of str; got {type(sentences).__name__}")
    for i, sentence in enumerate(sentences):
        if not isinstance(sentence, str):
            raise TypeError(f"sentences must be a list of str; got {type(sentence).__name__} at index {i}")
    return [tok for s in sentences for tok in tokenize_words(s)]


# ----------------------------------------------------------------------------- tasks
@dataclass(frozen=True)
class ClozeProbe:
    sentence: str  # contains exactly one "[MASK]" token
    answer: str
    relation: str


@dataclass(frozen=True)
class AgreementExample:
    tokens: tuple[str, ...]
    subject_index: int
    verb_index: int
    plural: bool  # number of the subject (and of the verb)


@dataclass(frozen=True)
class CoreferenceExample:
    tokens: tuple[str, ...]
    pronoun_index: int
    antecedent_index: int


_CLOZE = {
    "capital": ("[MASK] is the capital city of {country} .", "the capital of [MASK] is {capital} ."),
    "language": ("in {country} people speak [MASK] .", "people speak {language} in [MASK] ."),
    "currency": ("the currency of {country} is the [MASK] .", "the {currency} is the currency of [MASK] ."),
}


def cloze_probes(world: World) -> list[ClozeProbe]:
    """One object probe and one subject probe per country fact (all one-to-one)."""
    probes = []
    for c in world.countries:
        fields = _country_fields(c)
        for rel, (obj_t, subj_t) in _CLOZE.items():
            probes.append(ClozeProbe(obj_t.format(**fields), fields[rel], rel))
            probes.append(ClozeProbe(subj_t.format(**fields), c.name, rel))
    return probes


def _check_n(n: int) -> None:
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an int >= 1; got {n!r}")


_FACT_TEMPLATES = {"capital": "{a} has the capital {b} .", "language": "in {a} people speak {b} .",
                   "currency": "the currency of {a} is the {b} ."}


def true_false_statements(world: World, n: int, *, seed: int = 0) -> list[tuple[str, bool]]:
    """``n`` (sentence, is_true) pairs, exactly balanced (n even) or off by one; false ones
    swap in a wrong object of the same relation."""
    _check_n(n)
    rng = random.Random(seed)
    table = world.relations()
    out = []
    for i in range(n):
        rel = rng.choice(sorted(_FACT_TEMPLATES))
        a, b = rng.choice(table[rel])
        truth = i % 2 == 0
        if not truth:
            b = rng.choice([y for _, y in table[rel] if y != b])
        out.append((_FACT_TEMPLATES[rel].format(a=a, b=b), truth))
    rng.shuffle(out)
    return out


VERB_PAIRS = [("is", "are"), ("was", "were"), ("walks", "walk"), ("sleeps", "sleep")]


def agreement_examples(world: World, n: int, *, seed: int = 0,
                       max_distractors: int = 3) -> list[AgreementExample]:
    """Subject, 0..max_distractors opposite-number nouns in a prepositional phrase, then the verb
    agreeing with the subject: "the cat near the dogs walks ."."""
    _check_n(n)
    if max_distractors < 0:
        raise ValueError(f"max_distractors must be >= 0; got {max_distractors}")
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        plural = rng.random() < 0.5
        noun = rng.choice(world.plural_pairs)[int(plural)]
        tokens = ["the", noun]
        for _ in range(rng.randint(0, max_distractors)):
            tokens += [rng.choice(["near", "with", "behind"]), "the",
                       rng.choice(world.plural_pairs)[int(not plural)]]
        verb = rng.choice(VERB_PAIRS)[int(plural)]
        tokens += [verb, "."]
        out.append(AgreementExample(tuple(tokens), 1, len(tokens) - 2, plural))
    return out


def coreference_examples(world: World, n: int, *, seed: int = 0) -> list[CoreferenceExample]:
    """"anna met tom in paris , and she ..." — the pronoun refers to the one character of its gender."""
    _check_n(n)
    rng = random.Random(seed)
    males = [c for c in world.characters if c.gender == "male"]
    females = [c for c in world.characters if c.gender == "female"]
    out = []
    for _ in range(n):
        pair = [rng.choice(males), rng.choice(females)]
        rng.shuffle(pair)
        target = rng.choice(pair)
        pronoun = "he" if target.gender == "male" else "she"
        tokens = [pair[0].name, "met", pair[1].name, "in", target.home, ",", "and",
                  pronoun, "was", "happy", "."]
        out.append(CoreferenceExample(tuple(tokens), 7, tokens.index(target.name)))
    return out
