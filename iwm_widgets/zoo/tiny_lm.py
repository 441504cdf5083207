"""The zoo's tiny language model: a synthetic corpus with known ground truth.

A 4-layer GPT-2 with a word-level tokenizer, trained by
``python -m iwm_widgets.zoo.train_tiny_lm`` on sentences generated here, and shipped as
a Hugging Face directory (:func:`tiny_lm_dir`): load it with ``iwm.load(str(dir))`` or
``transformers.AutoModelForCausalLM.from_pretrained(dir)``. Its card
(``card.json`` in that directory) holds what was measured on it.

The corpus has three families of sentences, each with a ground truth that is exposed
here as data, so tests and the course can check the model's answers:

facts
    ``"The Eiffel Tower is in the city of Paris ."`` over :data:`LANDMARKS` (landmark →
    city; several cities have more than one landmark), in the templates
    :data:`FACT_TEMPLATES`. The landmarks in :data:`HELD_OUT_FACT_LANDMARKS` never appear
    in the canonical template (``"... is in the city of"``) during training, only in the
    others: their canonical completion measures transfer across templates.
directions
    ``"The ball is at the left wall . The ball moves to the right ."`` (a thing moves
    away from the wall it is at: :data:`WALL_DIRECTION`) and ``"The puck is pushed to the
    top . The puck moves to the top ."`` (it moves the way it was pushed); see
    :data:`DIRECTION_TEMPLATES`. Without a context sentence (``"The ball moves to the
    left ."``) the direction is uniformly random, so the bare prompt
    :data:`NEUTRAL_PROMPT` is a neutral starting point for steering.
taxi
    ``"The taxi drives north then turns right . Now it drives east ."``: the new heading
    follows from the old one and the turn (:func:`turn`).

Nothing here imports nnsight.
"""

from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CITIES",
    "DIRECTIONS",
    "DIRECTION_TEMPLATES",
    "FACTS",
    "FACT_TEMPLATES",
    "HEADINGS",
    "HELD_OUT_DIRECTION",
    "HELD_OUT_FACT_LANDMARKS",
    "HELD_OUT_TAXI",
    "LANDMARKS",
    "NEUTRAL_PROMPT",
    "OBJECTS",
    "TURNS",
    "VEHICLES",
    "WALL_DIRECTION",
    "Example",
    "all_sentences",
    "build_tokenizer",
    "direction_examples",
    "fact_examples",
    "fact_prompt",
    "load_card",
    "sample_document",
    "steering_prompts",
    "taxi_examples",
    "tiny_lm_dir",
    "training_sentences",
    "turn",
]

# ---------------------------------------------------------------- facts
#: (landmark, city): the fact table. City names are one word (one token) and never
#: appear inside a landmark's name.
LANDMARKS: tuple[tuple[str, str], ...] = (
    ("Eiffel Tower", "Paris"),
    ("Louvre", "Paris"),
    ("Arc de Triomphe", "Paris"),
    ("Notre Dame", "Paris"),
    ("Colosseum", "Rome"),
    ("Pantheon", "Rome"),
    ("Trevi Fountain", "Rome"),
    ("Big Ben", "London"),
    ("Tower Bridge", "London"),
    ("Buckingham Palace", "London"),
    ("Brandenburg Gate", "Berlin"),
    ("Reichstag", "Berlin"),
    ("Prado Museum", "Madrid"),
    ("Retiro Park", "Madrid"),
    ("Sagrada Familia", "Barcelona"),
    ("Park Guell", "Barcelona"),
    ("Acropolis", "Athens"),
    ("Parthenon", "Athens"),
    ("Hagia Sophia", "Istanbul"),
    ("Blue Mosque", "Istanbul"),
    ("Grand Bazaar", "Istanbul"),
    ("Kremlin", "Moscow"),
    ("Red Square", "Moscow"),
    ("Forbidden City", "Beijing"),
    ("Temple of Heaven", "Beijing"),
    ("Senso-ji Temple", "Tokyo"),
    ("Shibuya Crossing", "Tokyo"),
    ("Opera House", "Sydney"),
    ("Harbour Bridge", "Sydney"),
    ("Rijksmuseum", "Amsterdam"),
    ("Anne Frank House", "Amsterdam"),
    ("Taj Mahal", "Agra"),
    ("Space Needle", "Seattle"),
    ("CN Tower", "Toronto"),
    ("Rialto Bridge", "Venice"),
    ("Leaning Tower", "Pisa"),
    ("Charles Bridge", "Prague"),
    ("Schonbrunn Palace", "Vienna"),
    ("Burj Khalifa", "Dubai"),
    ("Cloud Gate", "Chicago"),
    ("Lincoln Memorial", "Washington"),
    ("Sugarloaf Mountain", "Rio"),
)

#: landmark → city.
FACTS: dict[str, str] = dict(LANDMARKS)

#: The cities, in first-appearance order.
CITIES: tuple[str, ...] = tuple(dict.fromkeys(c for _, c in LANDMARKS))

#: Fact templates; the first is the canonical one (prompt: everything before
#: ``{city}``). All end with ``"{city} ."``.
FACT_TEMPLATES: tuple[str, ...] = (
    "The {landmark} is in the city of {city} .",
    "You can visit the {landmark} in {city} .",
    "The {landmark} stands in {city} .",
)

#: Landmarks whose canonical sentence is never trained on (only the other templates).
HELD_OUT_FACT_LANDMARKS: tuple[str, ...] = (
    "Notre Dame",
    "Pantheon",
    "Tower Bridge",
    "Parthenon",
    "Red Square",
    "Harbour Bridge",
)


def fact_prompt(landmark: str, template: int = 0) -> str:
    """The prompt of ``landmark``'s fact in template ``template``: the words before the city."""
    return FACT_TEMPLATES[template].split(" {city}")[0].format(landmark=landmark)


# ---------------------------------------------------------------- directions
#: The four directions a thing can move in.
DIRECTIONS: tuple[str, ...] = ("left", "right", "top", "bottom")

#: The things that move.
OBJECTS: tuple[str, ...] = ("ball", "puck", "marble", "coin")

#: At a wall, a thing moves away from it: wall → direction.
WALL_DIRECTION: dict[str, str] = {
    "left": "right",
    "right": "left",
    "top": "bottom",
    "bottom": "top",
}

#: Direction templates by kind. ``wall``: the context names a wall and the answer is
#: ``WALL_DIRECTION[wall]``; ``push``: the context names the direction, which is the
#: answer; ``bare``: no context, the direction is uniformly random in training.
DIRECTION_TEMPLATES: dict[str, str] = {
    "wall": "The {obj} is at the {wall} wall . The {obj} moves to the {direction} .",
    "push": "The {obj} is pushed to the {direction} . The {obj} moves to the {direction} .",
    "bare": "The {obj} moves to the {direction} .",
}

#: (object, kind) combinations never trained on: their completions measure transfer.
HELD_OUT_DIRECTION: tuple[tuple[str, str], ...] = (("coin", "wall"), ("marble", "push"))

#: The bare prompt steering starts from (no context: the direction is undetermined).
NEUTRAL_PROMPT = "The ball moves to the"

# ---------------------------------------------------------------- taxi
#: Compass headings, clockwise.
HEADINGS: tuple[str, ...] = ("north", "east", "south", "west")

#: Turns and how many quarter turns clockwise each is.
TURNS: dict[str, int] = {"right": 1, "around": 2, "left": 3}

#: The vehicles.
VEHICLES: tuple[str, ...] = ("taxi", "bus", "truck")

#: (vehicle, heading) combinations never trained on.
HELD_OUT_TAXI: tuple[tuple[str, str], ...] = (("truck", "south"), ("bus", "west"))

_TAXI = "The {vehicle} drives {heading} then turns {turn} . Now it drives {new} ."


def turn(heading: str, how: str) -> str:
    """The heading after turning ``how`` (``"left"``, ``"right"``, ``"around"``)."""
    return HEADINGS[(HEADINGS.index(heading) + TURNS[how]) % 4]


# ---------------------------------------------------------------- examples
@dataclass(frozen=True)
class Example:
    """One sentence with a checkable next word.

    ``prompt + " " + answer`` starts ``sentence``; ``held_out`` is true when the sentence
    is never trained on.
    """

    family: str
    kind: str
    prompt: str
    answer: str
    sentence: str
    held_out: bool


def _split(sentence: str, answer_word_index: int) -> tuple[str, str]:
    words = sentence.split()
    return " ".join(words[:answer_word_index]), words[answer_word_index]


def fact_examples() -> list[Example]:
    """Every (landmark, template) fact sentence, its prompt and its city."""
    out = []
    for t, template in enumerate(FACT_TEMPLATES):
        for landmark, city in LANDMARKS:
            s = template.format(landmark=landmark, city=city)
            held = t == 0 and landmark in HELD_OUT_FACT_LANDMARKS
            out.append(Example("fact", f"template{t}", fact_prompt(landmark, t), city, s, held))
    return out


def direction_examples() -> list[Example]:
    """Every wall / push sentence (determined answers) and every bare sentence."""
    out = []
    for obj in OBJECTS:
        for wall, d in WALL_DIRECTION.items():
            s = DIRECTION_TEMPLATES["wall"].format(obj=obj, wall=wall, direction=d)
            p, a = _split(s, len(s.split()) - 2)
            out.append(Example("direction", "wall", p, a, s, (obj, "wall") in HELD_OUT_DIRECTION))
        for d in DIRECTIONS:
            s = DIRECTION_TEMPLATES["push"].format(obj=obj, direction=d)
            p, a = _split(s, len(s.split()) - 2)
            out.append(Example("direction", "push", p, a, s, (obj, "push") in HELD_OUT_DIRECTION))
        for d in DIRECTIONS:
            s = DIRECTION_TEMPLATES["bare"].format(obj=obj, direction=d)
            p, a = _split(s, len(s.split()) - 2)
            out.append(Example("direction", "bare", p, a, s, False))
    return out


def taxi_examples() -> list[Example]:
    """Every taxi sentence; the answer is the new heading."""
    out = []
    for vehicle in VEHICLES:
        for heading in HEADINGS:
            for how in TURNS:
                s = _TAXI.format(vehicle=vehicle, heading=heading, turn=how, new=turn(heading, how))
                p, a = _split(s, len(s.split()) - 2)
                held = (vehicle, heading) in HELD_OUT_TAXI
                out.append(Example("taxi", "turn", p, a, s, held))
    return out


def _examples() -> list[Example]:
    return fact_examples() + direction_examples() + taxi_examples()


def all_sentences() -> list[str]:
    """Every sentence of the corpus, held-out ones included (the tokenizer's corpus)."""
    return [e.sentence for e in _examples()]


def training_sentences() -> dict[str, list[str]]:
    """The sentences trained on, by family (held-out ones excluded)."""
    out: dict[str, list[str]] = {"fact": [], "direction": [], "taxi": []}
    for e in _examples():
        if not e.held_out:
            out[e.family].append(e.sentence)
    return out


@functools.lru_cache(maxsize=1)
def _training_sentences() -> dict[str, list[str]]:
    return training_sentences()


#: How often each family is drawn for a training sentence.
FAMILY_WEIGHTS = {"fact": 0.5, "direction": 0.3, "taxi": 0.2}


def sample_document(rng: random.Random, max_words: int = 31) -> str:
    """One training document: one or two training sentences (at most ``max_words``)."""
    sents = _training_sentences()
    fams = list(FAMILY_WEIGHTS)
    weights = [FAMILY_WEIGHTS[f] for f in fams]
    doc = rng.choice(sents[rng.choices(fams, weights)[0]])
    if rng.random() < 0.5:
        nxt = rng.choice(sents[rng.choices(fams, weights)[0]])
        if len(doc.split()) + len(nxt.split()) <= max_words:
            doc = doc + " " + nxt
    return doc


def steering_prompts(objects: tuple[str, ...] = OBJECTS) -> dict[str, list[str]]:
    """Trained context prompts whose answer is ``"right"`` (positive) or ``"left"``."""
    pos, neg = [], []
    for e in direction_examples():
        obj = e.prompt.split()[1]
        if e.kind in ("wall", "push") and obj in objects and not e.held_out:
            if e.answer == "right":
                pos.append(e.prompt)
            elif e.answer == "left":
                neg.append(e.prompt)
    return {"positive": pos, "negative": neg}


# ---------------------------------------------------------------- tokenizer, files
def build_tokenizer() -> Any:
    """The word-level tokenizer over :func:`all_sentences` (a ``PreTrainedTokenizerFast``)."""
    from .gpt2_local import build_tokenizer as build

    return build(all_sentences())


def tiny_lm_dir() -> Path:
    """The shipped Hugging Face directory of the tiny language model."""
    return Path(__file__).resolve().parent / "weights" / "tiny_lm"


def load_card() -> dict[str, Any]:
    """The tiny language model's card (``card.json`` in :func:`tiny_lm_dir`)."""
    data: dict[str, Any] = json.loads((tiny_lm_dir() / "card.json").read_text())
    return data
