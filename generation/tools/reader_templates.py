"""Template paraphrases for the conversation reader, on top of the writers' dialogues: loose
verbs, intensifiers, chained edits and typos, in English, French, Spanish, German and
Chinese. Each template is a line and its expectation (as in `tunesmith eval chat`); the
slots are filled at random with a fixed seed.
"""

from __future__ import annotations

import random

FIRST = ["calm piano in D minor", "a happy folk tune on the violin", "lofi beat with rhodes",
         "sad cello piece", "epic orchestral theme", "jazz trio, medium swing"]
INSTRUMENTS = ["trumpet", "cello", "flute", "saxophone", "organ", "harp", "violin", "clarinet",
               "choir", "guitar", "drums", "bass", "marimba", "oboe"]
# (line with {i} instrument / {n} number, expectation builder)
EN = [
    ("throw a {i} on it", lambda i, n: {"add": [i]}),
    ("slap some {i} on there", lambda i, n: {"add": [i]}),
    ("stick a {i} in", lambda i, n: {"add": [i]}),
    ("can we get a {i} in there", lambda i, n: {"add": [i]}),
    ("bring the {i} back", lambda i, n: {"add": [i]}),
    ("put the {i} back in", lambda i, n: {"add": [i]}),
    ("get the {i} out of there", lambda i, n: {"remove": [i]}),
    ("the {i} has to go", lambda i, n: {"remove": [i]}),
    ("kill the {i}", lambda i, n: {"remove": [i]}),
    ("play it on an {i} instead", lambda i, n: {"lead": i}),
    ("let the {i} carry the tune", lambda i, n: {"lead": i}),
    ("{i} on the melody pls", lambda i, n: {"lead": i}),
    ("push it up to {n}", lambda i, n: {"tempo": n}),
    ("crank it to {n}", lambda i, n: {"tempo": n}),
    ("bring it down to {n}", lambda i, n: {"tempo": n}),
    ("speed it up to {n} bpm", lambda i, n: {"tempo": n}),
    ("slow it down to {n}", lambda i, n: {"tempo": n}),
    ("double it", lambda i, n: {"clarify": ["tempo: x2", "length: x2"]}),
    ("double the speed", lambda i, n: {"tempo": "x2"}),
    ("halve the tempo", lambda i, n: {"tempo": "x0.5"}),
    ("ugh no, revert that", lambda i, n: {"undo": 1}),
    ("nah put it back how it was", lambda i, n: {"undo": 1}),
    ("the previous one was better", lambda i, n: {"undo": 1}),
    ("i liked the last version more", lambda i, n: {"undo": 1}),
    ("scrap that change", lambda i, n: {"undo": 1}),
    ("down a semitone", lambda i, n: {"transpose": -1}),
    ("up a half step", lambda i, n: {"transpose": 1}),
    ("sparser", lambda i, n: {"density": "down"}),
    ("not so busy", lambda i, n: {"density": "down"}),
    ("too many notes, thin it out", lambda i, n: {"density": "down"}),
    ("give it more space", lambda i, n: {"density": "down"}),
    ("busier please", lambda i, n: {"density": "up"}),
    ("more notes, fill it out", lambda i, n: {"density": "up"}),
    ("take it way, way down", lambda i, n: {"tempo": "down lot"}),
    ("way slower", lambda i, n: {"tempo": "down lot"}),
    ("a tad quicker", lambda i, n: {"tempo": "up little"}),
    ("a hair faster", lambda i, n: {"tempo": "up little"}),
    ("a smidge slower", lambda i, n: {"tempo": "down little"}),
    ("waaay faster", lambda i, n: {"tempo": "up lot"}),
    ("make it pop off more, hype", lambda i, n: {"mood": "energetic"}),
    ("chill it out", lambda i, n: {"mood": "calm"}),
    ("more of a downer", lambda i, n: {"mood": "sad"}),
    ("cheer it up a bit", lambda i, n: {"mood": "happy little"}),
    ("spookier", lambda i, n: {"mood": "mysterious"}),
    ("make it minor and sadder", lambda i, n: {"mode": "minor", "mood": "sad"}),
    ("shorter, {n} seconds", lambda i, n: {"length": n}),
    ("cut it to {n} seconds", lambda i, n: {"length": n}),
    ("stretch it out", lambda i, n: {"length": "longer"}),
    ("trim it down", lambda i, n: {"length": "shorter"}),
    ("add a {i} and speed it up", lambda i, n: {"add": [i], "tempo": "up"}),
    ("lose the {i} and make it slower", lambda i, n: {"remove": [i], "tempo": "down"}),
    ("{i}", lambda i, n: {"clarify": [f"add: {i}", f"lead: {i}"]}),
    ("{i}!!", lambda i, n: {"clarify": [f"add: {i}", f"lead: {i}"]}),
    ("how fast is it going", lambda i, n: {"ask": "tempo"}),
    ("whats the key", lambda i, n: {"ask": "key"}),
    ("who's playing", lambda i, n: {"ask": "instruments"}),
    ("sick thx", lambda i, n: {"talk": "smalltalk"}),
    ("lol ok nice", lambda i, n: {"talk": "smalltalk"}),
    ("again", lambda i, n: {"again": 1}),
    ("shake it up a little", lambda i, n: {"vary": 1}),
    ("redo", lambda i, n: {"redo": 1}),
]
OTHER = [  # French, Spanish, German, Chinese
    ("ajoute une trompette", {"add": ["trumpet"]}), ("mets un violoncelle", {"add": ["cello"]}),
    ("enlève la batterie", {"remove": ["drums"]}), ("plus lent s'il te plaît", {"tempo": "down"}),
    ("beaucoup plus rapide", {"tempo": "up lot"}), ("monte à 130", {"tempo": 130}),
    ("moins chargé", {"density": "down"}), ("annule ça", {"undo": 1}),
    ("en mineur et plus triste", {"mode": "minor", "mood": "sad"}),
    ("añade una flauta", {"add": ["flute"]}), ("quita el bajo", {"remove": ["bass"]}),
    ("más lento", {"tempo": "down"}), ("súbelo a 140", {"tempo": 140}),
    ("menos notas", {"density": "down"}), ("deshaz eso", {"undo": 1}),
    ("un poco más alegre", {"mood": "happy little"}),
    ("füge eine Klarinette hinzu", {"add": ["clarinet"]}),
    ("ohne Schlagzeug", {"remove": ["drums"]}),
    ("etwas schneller", {"tempo": "up little"}), ("auf 100 bpm", {"tempo": 100}),
    ("weniger Noten", {"density": "down"}), ("rückgängig", {"undo": 1}),
    ("加一个小号", {"add": ["trumpet"]}), ("去掉鼓", {"remove": ["drums"]}),
    ("慢一点", {"tempo": "down little"}), ("快很多", {"tempo": "up lot"}),
    ("撤销", {"undo": 1}), ("更悲伤", {"mood": "sad"}),
]


def typo(line: str, rng: random.Random) -> str:
    """One hasty slip: two letters swapped, one doubled or one dropped."""
    spots = [i for i in range(1, len(line) - 1) if line[i].isalpha() and line[i + 1].isalpha()]
    if not spots:
        return line
    i = rng.choice(spots)
    slip = rng.randrange(3)
    if slip == 0:
        return line[:i] + line[i + 1] + line[i] + line[i + 2:]
    if slip == 1:
        return line[:i] + line[i] + line[i:]
    return line[:i] + line[i + 1:]


def template_dialogues(count: int = 1200, seed: int = 3) -> list[dict]:
    """`count` two-turn dialogues: a first request, then one templated line."""
    rng = random.Random(seed)
    out = []
    for number in range(count):
        if rng.random() < 0.8:
            text, build = rng.choice(EN)
            i, n = rng.choice(INSTRUMENTS), rng.choice([60, 72, 90, 104, 120, 132, 150, 20, 45])
            line, expect = text.format(i=i, n=n), build(i, n)
            if rng.random() < 0.25:
                line = typo(line, rng)
            if rng.random() < 0.2:
                line = line.upper() if rng.random() < 0.3 else line.capitalize() + "!"
        else:
            line, expect = rng.choice(OTHER)
        out.append({"id": f"t{number}", "writer": "templates", "voice": "template",
                    "lang": "mixed", "turns": [[rng.choice(FIRST), {"new": {}}],
                                               [line, expect]]})
    return out
