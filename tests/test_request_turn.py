"""Reading a chat line: edits of the current piece, new requests, questions, history moves."""

from __future__ import annotations

import pytest

from generation.job import LITTLE, LOT, Changes
from generation.request.turn import PREVIOUS, read_turn

EDITS = [  # (line, the changes it names): every kind, in five languages, some typed in haste
    ("make it faster and add a cello", {"tempo_factor": 1.15, "add": ("cello",)}),
    ("faster, and add a cello", {"tempo_factor": 1.15, "add": ("cello",)}),
    ("a bit faster", {"tempo_factor": 1.07}),
    ("way slower", {"tempo_factor": round(1 / 1.35, 4)}),
    ("half the tempo", {"tempo_factor": 0.5}),
    ("twice as fast", {"tempo_factor": 2.0}),
    ("at 120 bpm", {"tempo_bpm": 120}),
    ("now in G", {"tonic": "G"}),
    ("in minor", {"mode": "minor"}),
    ("in G dorian", {"tonic": "G", "mode": "dorian"}),
    ("up a whole step", {"transpose": 2}),
    ("down a semitone", {"transpose": -1}),
    ("relative minor", {"mode": "minor", "relative": True}),
    ("sadder", {"mood": "sad"}),
    ("much happier", {"mood": "happy", "mood_amount": LOT}),
    ("less sad", {"mood": "happy", "mood_amount": LITTLE}),
    ("darker", {"mood": "dark"}),
    ("more energetic", {"mood": "energetic"}),
    ("make it sound happier", {"mood": "happy"}),
    ("jazzier", {"style": "jazz"}),
    ("turn it into rock", {"style": "rock"}),
    ("more like baroque", {"style": "baroque"}),
    ("drop the drums", {"remove": ("drums",)}),
    ("no piano", {"remove": ("piano",)}),
    ("add strings and drums", {"add": ("strings", "drums")}),
    ("swap the sax for a trumpet", {"swap": (("saxophone", "trumpet"),)}),
    ("trumpet instead of sax", {"swap": (("saxophone", "trumpet"),)}),
    ("replace the piano with a harp", {"swap": (("piano", "harp"),)}),
    ("melody on violin", {"lead": "violin"}),
    ("give the melody to the flute", {"lead": "flute"}),
    ("a minute long", {"duration_s": 60.0}),
    ("shorter", {"length_factor": round(1 / 1.5, 4)}),
    ("twice as long", {"length_factor": 2.0}),
    ("make it a waltz", {"meter": "3/4"}),
    ("in 4/4", {"meter": "4/4"}),
    ("plus vite et ajoute un violoncelle", {"tempo_factor": 1.15, "add": ("cello",)}),
    ("ajoute une flûte", {"add": ("flute",)}),
    ("más lento por favor", {"tempo_factor": round(1 / 1.15, 4)}),
    ("quita la batería", {"remove": ("drums",)}),
    ("más alegre", {"mood": "happy"}),
    ("etwas schneller", {"tempo_factor": 1.07}),
    ("mach es trauriger", {"mood": "sad"}),
    ("快一点", {"tempo_factor": 1.15}),
    ("更悲伤一点", {"mood": "sad", "mood_amount": LITTLE}),
    ("FASTER pls", {"tempo_factor": 1.15}),
]


@pytest.mark.parametrize("line, expected", EDITS)
def test_an_edit_names_exactly_what_it_changes(line, expected):
    turn = read_turn(line, has_piece=True)
    assert turn.kind == "edit", (line, turn)
    assert turn.changes == Changes(**expected)


@pytest.mark.parametrize("line, text", [
    ("now something completely different: an irish jig", "an irish jig"),
    ("a jig on the flute", "a jig on the flute"),
    ("calm piano in D minor", "calm piano in D minor"),
])
def test_a_new_request_is_not_read_as_an_edit(line, text):
    turn = read_turn(line, has_piece=True)
    assert (turn.kind, turn.text) == ("new", text)


@pytest.mark.parametrize("line, topic", [
    ("what key is this in?", "key"), ("how fast is it?", "tempo"),
    ("what instruments are playing?", "instruments"), ("how long is it?", "length"),
    ("what chords does it use?", "chords"), ("what can you do", "abilities"),
    ("what styles do you know?", "styles"), ("quelle est la tonalité ?", "key"),
    ("¿qué tempo tiene?", "tempo"), ("welche Tonart?", "key"), ("这是什么调？", "key"),
])
def test_questions_are_answered_not_composed(line, topic):
    turn = read_turn(line, has_piece=True)
    assert (turn.kind, turn.topic) == ("question", topic)


@pytest.mark.parametrize("line, kind, base", [
    ("undo", "undo", None), ("go back", "undo", None), ("annuler", "undo", None),
    ("redo", "redo", None), ("go back to the first one", "goto", 1),
    ("version 2", "goto", 2), ("a little different", "vary", None), ("again", "again", None),
    ("thanks!", "smalltalk", None), ("hello", "smalltalk", None), ("   ", "empty", None),
    ("help", "help", None),
])
def test_conversation_moves(line, kind, base):
    turn = read_turn(line, has_piece=True)
    assert (turn.kind, turn.base) == (kind, base)


def test_a_version_and_an_edit_in_one_line():
    turn = read_turn("the second version but on guitar", has_piece=True)
    assert (turn.kind, turn.base, turn.changes) == ("edit", 2, Changes(lead="guitar"))


def test_without_a_piece_a_description_is_a_new_request():
    assert read_turn("a jig on the flute", has_piece=False).kind == "new"
    assert read_turn("in G", has_piece=False).kind == "new"  # the composer will say why


def test_changes_survive_json():
    changes = Changes(tempo_factor=1.07, swap=(("piano", "harp"),), add=("cello",))
    assert Changes.from_json(changes.to_json()) == changes
    assert not Changes() and Changes(transpose=2)


@pytest.mark.parametrize("line, section", [
    ("a new ending", "ending"), ("redo the middle", "middle"), ("different opening", "beginning"),
    ("can you rewrite the ending?", "ending"), ("une nouvelle fin", "ending"),
    ("refais le milieu", "middle"), ("un autre début", "beginning"),
    ("un final nuevo", "ending"), ("rehaz la parte del medio", "middle"),
    ("otro comienzo", "beginning"), ("ein neues Ende", "ending"),
    ("mach den Mittelteil neu", "middle"), ("einen anderen Anfang", "beginning"),
    ("换个结尾", "ending"), ("重写中间部分", "middle"), ("换一个开头", "beginning"),
])
def test_a_structure_edit_names_the_section_written_anew(line, section):
    turn = read_turn(line, has_piece=True)
    assert (turn.kind, turn.changes) == ("edit", Changes(rewrite=section)), line


def test_a_longer_outro_is_not_a_rewrite():
    assert read_turn("a longer outro", has_piece=True).changes.rewrite is None


MORE_EDITS = [  # found by the tune split of generation/data/chat_dialogues.jsonl
    ("that's lovely! could you make it a bit faster and maybe add a cello?",
     {"tempo_factor": 1.07, "add": ("cello",)}),
    ("¿Podrías cambiar el violín por una flauta?", {"swap": (("violin", "flute"),)}),
    ("Könnten Sie bitte ein Saxophon hinzufügen?", {"add": ("saxophone",)}),
    ("¿Y un minuto de duración?", {"duration_s": 60.0}),
    ("Et le transposer un demi-ton plus bas ?", {"transpose": -1}),
    ("¿Podrías quitar el piano?", {"remove": ("piano",)}),
    ("génial ! remplace l'harmonica par une trompette", {"swap": (("harmonica", "trumpet"),)}),
    ("sax out, trumpet in", {"swap": (("saxophone", "trumpet"),)}),
    ("put a sax on the melody", {"lead": "saxophone"}),
    ("ditch the drums", {"remove": ("drums",)}),
    ("lower it a whole step", {"transpose": -2}),
    ("monte-le d'un ton", {"transpose": 2}),
    ("y súbelo un tono", {"transpose": 2}),
    ("down a 4th", {"transpose": -5}),
    ("Könnten Sie es in die parallele Durtonart setzen?", {"mode": "major", "relative": True}),
    ("¿Podrías ponerla en la relativa mayor?", {"mode": "major", "relative": True}),
    ("el doble de largo", {"length_factor": 2.0}),  # "largo" here is no tempo
    ("c'est trop long, tu peux la faire plus courte ?", {"length_factor": round(1 / 1.5, 4)}),
    ("Pourriez-vous la rendre un peu plus lente ?", {"tempo_factor": round(1 / 1.07, 4)}),
    ("la versión 1 pero con piano", {"add": ("piano",)}),
    ("mit Flöte", {"add": ("flute",)}),
    ("and a piano", {"add": ("piano",)}),
    ("schön, kannst du noch ein Cello dazu nehmen?", {"add": ("cello",)}),
    ("die Melodie bitte auf dem Cello", {"lead": "cello"}),
    ("make it a lil happier", {"mood": "happy", "mood_amount": LITTLE}),
    ("fatser", {"tempo_factor": 1.15}),  # letters swapped
    ("add a chello", {"add": ("cello",)}),  # a letter doubled
    ("add a piano n a cello", {"add": ("piano", "cello")}),
    ("再加个大提琴", {"add": ("cello",)}),
    ("不错，不过把鼓去掉吧", {"remove": ("drums",)}),
    ("把电钢琴换成吉他", {"swap": (("electric piano", "guitar"),)}),
    ("旋律换成小提琴", {"lead": "violin"}),
    ("很好，现在改成爵士风格", {"style": "jazz"}),
    ("再升高一个全音", {"transpose": 2}),
    ("请改成关系大调", {"mode": "major", "relative": True}),
    ("改成大调", {"mode": "major"}),
    ("快一点点", {"tempo_factor": 1.07}),
    ("半速", {"tempo_factor": 0.5}),
]


@pytest.mark.parametrize("line, expected", MORE_EDITS)
def test_edits_in_polite_hasty_and_other_words(line, expected):
    turn = read_turn(line, has_piece=True)
    assert (turn.kind, turn.changes) == ("edit", Changes(**expected)), line


@pytest.mark.parametrize("line, kind, base", [
    ("hmm, actually undo that", "undo", None), ("算了，撤销", "undo", None),
    ("nope undo", "undo", None), ("can we go back to the first one?", "goto", 1),
    ("la version 1 mais à la guitare", "edit", 1), ("再来一次", "again", None),
    ("sick, thx", "smalltalk", None), ("Thank you, that is wonderful.", "smalltalk", None),
    ("Vielen Dank!", "smalltalk", None), ("hi there!", "smalltalk", None),
    ("blorp?!", "unknown", None), ("asdfgh", "unknown", None), ("idk", "unknown", None),
    ("new one: a dreamy ambient synth pad piece", "new", None),
    ("ahora algo totalmente distinto: un rock", "new", None),
    ("a lullaby on the music box", "new", None),
])
def test_more_conversation_moves(line, kind, base):
    turn = read_turn(line, has_piece=True)
    assert (turn.kind, turn.base) == (kind, base), line


@pytest.mark.parametrize("line, topic", [
    ("which instruments can you play?", "instrument list"), ("Que savez-vous faire ?", "abilities"),
    ("¿en qué tonalidad está?", "key"), ("combien de temps dure-t-il ?", "length"),
    ("¿cuánto dura?", "length"), ("wat key is it in now", "key"),
    ("Could you tell me what key it is in?", "key"), ("用了什么和弦？", "chords"),
])
def test_more_questions(line, topic):
    turn = read_turn(line, has_piece=True)
    assert (turn.kind, turn.topic) == ("question", topic), line


@pytest.mark.parametrize("line, expected", [
    ("add an intro", {"intro": 2}), ("a longer intro", {"intro": 2}),
    ("ajoute une intro", {"intro": 2}), ("加一个前奏", {"intro": 2}),
    ("ein längeres Intro", {"intro": 2}), ("longer outro", {"outro": 2}),
    ("add a coda", {"outro": 2}), ("make the ending longer", {"outro": 2}),
    ("un outro más largo", {"outro": 2}),
    ("add an intro and make it faster", {"intro": 2, "tempo_factor": 1.15}),
])
def test_bars_around_the_melody_are_not_a_rewrite_nor_a_longer_piece(line, expected):
    turn = read_turn(line, has_piece=True)
    assert (turn.kind, turn.changes) == ("edit", Changes(**expected))
    assert read_turn("a new ending", has_piece=True).changes == Changes(rewrite="ending")


@pytest.mark.parametrize("line, steps", [
    ("undo", 1), ("undo both", 2), ("go back two steps", 2), ("revert the last two", 2),
    ("undo that and the one before", 2), ("wait undo undo", 2), ("vuelve dos pasos atrás", 2),
    ("annule les deux dernières modifs", 2), ("撤销最后两步", 2), ("undo three times", 3),
])
def test_an_undo_counts_its_steps(line, steps):
    turn = read_turn(line, True)
    assert (turn.kind, turn.steps) == ("undo", steps)


@pytest.mark.parametrize("line, base", [
    ("undo that and make it faster instead", PREVIOUS), ("annule ça et accélère plutôt", PREVIOUS),
    ("make it faster", None), ("go back to the second one but faster", 2),
])
def test_undo_then_an_edit_edits_the_version_before(line, base):
    turn = read_turn(line, True)
    assert (turn.kind, turn.base) == ("edit", base)
