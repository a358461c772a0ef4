"""The sentence templates the toy corpus is generated from (01 §1, 04 §1–2, 05 §1).

Every template is grammatical English for every word it can take: tests/test_data.py builds
each template with each of its words and checks articles, agreement and tense markers. The
facts themselves live in :mod:`lmkit.data.toyworld`.
"""
from __future__ import annotations

import random

# Templates: consistent contexts make the analogy offsets learnable.
COUNTRY_TEMPLATES = [
    "{capital} is the capital city of {country} .",
    "the capital of {country} is {capital} .",
    "in {country} people speak {language} .",
    "the language of {country} is {language} .",
    "the currency of {country} is the {currency} .",
    "in {country} you pay with the {currency} .",
    "people in the city of {capital} speak {language} and pay with the {currency} .",
    "the country {country} has its capital {capital} and its currency the {currency} .",
]
# Syntactic relations.  In real text "king" and "queen" share royal contexts (crown,
# throne) and differ in the pronouns around them; the analogy offset king - man + woman
# is learnable only because of both.  So each pair gets its own topic word, shared by
# its two members, and every sentence names ONE member next to the markers of its
# gender / number / tense.  (Putting both members in one sentence, as a first version
# did, makes them each other's context and washes out the offset: accuracy ~0.2.)
PAIR_TOPICS = {
    # gender
    "king": "crown", "prince": "castle", "man": "office", "boy": "playground",
    "father": "kitchen", "son": "cradle", "brother": "bicycle", "husband": "wedding",
    "uncle": "farmhouse", "nephew": "birthday", "grandfather": "garden", "actor": "theatre",
    # plural
    "cat": "milk", "dog": "bone", "bird": "nest", "horse": "stable", "car": "road",
    "book": "shelf", "tree": "forest", "house": "village", "apple": "orchard",
    "child": "school", "mouse": "cheese", "foot": "shoe",
}
# A verb needs its own complement ("go to the market", not "go at the market"), so each
# past-tense pair gets a phrase holding its topic word, shared by both forms.
VERB_PHRASES = {
    "walk": "in the park", "play": "a game", "jump": "over the fence", "cook": "soup",
    "paint": "the wall", "dance": "to the music", "go": "to the market", "eat": "bread",
    "see": "the moon", "write": "a letter", "run": "on the track", "sing": "a song",
}
# Each template pair: (male / singular / present form, female / plural / past form).
# {a_w} is the word with its indefinite article ("an actress", "a king").
GENDER_TEMPLATES = [
    ("the {w} stood by the {topic} and he smiled .", "the {w} stood by the {topic} and she smiled ."),
    ("he is {a_w} and he loves the {topic} .", "she is {a_w} and she loves the {topic} ."),
    ("everyone knew the {w} , because his {topic} was famous .",
     "everyone knew the {w} , because her {topic} was famous ."),
    ("the {w} said that he loved the {topic} .", "the {w} said that she loved the {topic} ."),
    ("mr smith is {a_w} ; he talks about the {topic} .", "mrs smith is {a_w} ; she talks about the {topic} ."),
]
PLURAL_TEMPLATES = [
    ("one {w} is by the {topic} .", "two {w} are by the {topic} ."),
    ("{a_w} was near the {topic} .", "many {w} were near the {topic} ."),
    ("i saw this {w} by the {topic} .", "i saw these {w} by the {topic} ."),
    ("there is {a_w} near the {topic} .", "there are three {w} near the {topic} ."),
    ("the {w} is near the {topic} , it is alone .", "the {w} are near the {topic} , they are together ."),
]
PAST_TEMPLATES = [
    ("today we {w} {phrase} .", "yesterday we {w} {phrase} ."),
    ("they often {w} {phrase} .", "last year they {w} {phrase} ."),
    ("i will {w} {phrase} tomorrow .", "long ago i {w} {phrase} ."),
    ("now you {w} {phrase} and think of home .", "last week you {w} {phrase} and thought of home ."),
    ("every day they {w} {phrase} .", "once upon a time they {w} {phrase} ."),
]


def with_article(word: str) -> str:
    """``word`` with its indefinite article: "an actress", "a king" (by the first letter's sound;
    every noun of the toy world starts with a sound its letter predicts)."""
    return ("an " if word[:1] in "aeiou" else "a ") + word


def pair_fields(pair: tuple[str, str], side: int) -> dict[str, str]:
    word = pair[side]
    return {"w": word, "a_w": with_article(word), "topic": PAIR_TOPICS.get(pair[0], "world"),
            "phrase": VERB_PHRASES.get(pair[0], "")}


def pair_sentence(rng: random.Random, templates: list[tuple[str, str]],
                   pairs: tuple[tuple[str, str], ...]) -> str:
    """A sentence naming one member of a random pair, with its topic and markers."""
    pair = rng.choice(pairs)
    side = rng.randrange(2)
    template = rng.choice(templates)[side]
    return template.format(**pair_fields(pair, side))


FILLER_TEMPLATES = [
    "it was a quiet morning and the sun was warm .",
    "{name} works as {a_job} in {home} .",
    "{name} lives in {home} and likes the city .",
]
