"""The General MIDI set: every program by name, drum kits, exact programs in the MIDI, edits."""

import pretty_midi
import pytest

from generation.composer import Composer
from generation.job import Changes, Job, Request
from generation.music.instruments import BY_NAME, instrument
from generation.music.revise import revise
from generation.music.spec import make_spec
from generation.request.instruments import read_instruments
from generation.request.lexicon import fold
from generation.request.parse import parse_request
from generation.vocab import DRUM_KITS, FAMILIES, FAMILY_OF, GM_NAMES, INSTRUMENTS
from models.core.errors import RequestError


def programs(text: str) -> list[int]:
    names, _, _ = read_instruments(fold(text))
    return [instrument(name).program for name in names]


def test_the_forty_families_keep_their_names_and_programs():
    assert FAMILIES == INSTRUMENTS[:40]
    assert [instrument(n).program for n in ("piano", "guitar", "electric guitar", "bass",
                                            "organ", "saxophone", "strings", "synth pad")] == \
        [0, 24, 27, 33, 19, 65, 48, 89]
    assert set(BY_NAME) == set(INSTRUMENTS) == set(FAMILY_OF)


@pytest.mark.parametrize("program", range(128))
def test_every_program_is_reached_by_its_general_midi_name(program):
    gm = pretty_midi.program_to_instrument_name(program)
    if program == 110:  # "fiddle" is the violin, as it always was; GM 110 is the folk fiddle
        assert programs(gm) == [40] and programs("folk fiddle") == [110]
        return
    assert program in programs(f"a piece for piano and {gm.lower()}")
    assert instrument(GM_NAMES[program]).program == program


@pytest.mark.parametrize(("text", "expected"), [
    ("overdriven guitars and distortion guitar", [29, 30]),
    ("slap bass, synth bass, acoustic bass and fretless bass", [36, 38, 32, 35]),
    ("church organ, rock organ and a hammond", [19, 18, 16]),
    ("tenor sax, alto saxophone, soprano sax and bari sax", [66, 65, 64, 67]),
    ("english horn and piccolo over a string ensemble and brass section", [69, 72, 48, 61]),
    ("synth voice with a warm pad and a sawtooth lead", [54, 89, 81]),
    ("saxophone ténor et cor anglais", [66, 69]),
    ("guitarra distorsionada y bajo slap", [30, 36]),
    ("Kirchenorgel und Tenorsaxophon", [19, 66]),
    ("失真吉他和合成贝斯", [30, 38]),
])
def test_musicians_names_and_other_languages_give_exact_programs(text, expected):
    assert programs(text) == expected


@pytest.mark.parametrize(("text", "kit"), [
    ("hip hop beat with 808 drums", "808 kit"), ("a jazz trio with a brush kit", "brush kit"),
    ("brushes on the drums", "brush kit"), ("electronic drums and a synth", "electronic kit"),
    ("orchestral percussion", "orchestral kit"), ("piano and drums", "drums"),
])
def test_drum_kits_are_named_once(text, kit):
    names, _, _ = read_instruments(fold(text))
    assert [n for n in names if n in DRUM_KITS] == [kit]


@pytest.mark.parametrize("text", [
    "a walk by the seashore", "thistle and gunshots in the distance", "the crowd applauds",
    "a helicopter flies over", "whistled tune", "a bottle of wine and a halo",
])
def test_everyday_words_are_not_instruments(text):
    assert read_instruments(fold(text))[0] == []


def test_effects_count_inside_a_list_and_typos_still_read():
    assert programs("piano, seashore and applause") == [0, 122, 126]
    assert programs("saxaphone and xylophon with a piccollo") == [65, 13, 72]


def test_no_drums_leaves_out_every_kit():
    names, without, _ = read_instruments(fold("jazz with brushes, no drums"))
    assert names == [] and without == ["drums"]


@pytest.fixture(scope="module")
def composer():
    return Composer()


def test_each_named_instrument_plays_its_exact_program_in_the_midi(composer, tmp_path):
    text = ("funk in E minor at 100 bpm, 12 seconds: slap bass, overdriven guitars, tenor sax, "
            "rock organ and 808 drums")
    piece = composer.run(Job(text=text, seed=4), tmp_path)
    midi = pretty_midi.PrettyMIDI(str(piece.midi))
    heard = {(i.is_drum, i.program) for i in midi.instruments if i.notes}
    assert {(False, 36), (False, 29), (False, 66), (False, 18), (True, 25)} <= heard
    lead = midi.instruments[0]  # the bass guitar named first plays the bass, not the tune
    assert lead.program != 36
    assert piece.request["instruments"] == ["slap bass", "overdriven guitar",
                                            "tenor saxophone", "rock organ", "808 kit"]


def test_a_style_plays_its_own_kit():
    request = parse_request("a jazz tune in F at 120 bpm")
    kit = make_spec(request, 3).part("drums")
    assert kit.instrument == "brush kit" and kit.program == 40 and kit.is_drum


def _spec(*instruments: str):
    request = Request(text="x", mood="calm", moods=("calm",), style="pop", tempo_bpm=100,
                      key="C major", meter="4/4", instruments=instruments, duration_s=20.0,
                      bars=None, stated=("instruments",), notes=())
    return make_spec(request, 5)


def test_edits_find_a_part_by_its_family():
    spec = _spec("tenor saxophone", "piano", "slap bass")
    swapped = revise(spec, Changes(swap=(("saxophone", "flute"),)))
    assert swapped.part("lead").instrument == "flute" and swapped.part("lead").program == 73
    without = revise(spec, Changes(remove=("bass",)))
    assert "slap bass" not in {p.instrument for p in without.parts}
    with pytest.raises(RequestError, match="no harp"):
        revise(spec, Changes(remove=("harp",)))


def test_adding_a_kit_replaces_the_kit():
    spec = _spec("piano", "drums")
    changed = revise(spec, Changes(add=("808 kit",)))
    kits = [p for p in changed.parts if p.is_drum]
    assert [(k.instrument, k.program) for k in kits] == [("808 kit", 25)]


def test_a_long_description_is_read_through_its_telling_clauses():
    from generation.request.classifier import READ_TOKENS, shared_classifier
    from generation.request.parse import encoder_input

    classifier = shared_classifier()
    text = ("A melancholic, introspective jazz ballad featuring tenor saxophone, slap bass, "
            "overdriven guitars, church organ, English horn, piccolo, string ensemble, brass "
            "section and 808 drums. Set in G minor with a 4/4 time signature, it moves at a "
            "Moderato tempo. The chord sequence of Bb, C, and Gm repeats throughout, while "
            "the tenor saxophone, slap bass and overdriven guitars trade phrases with the "
            "church organ, the English horn and the piccolo over the string ensemble.")
    read = classifier.condensed(encoder_input(text))
    pieces = classifier.encoder.tokenizer.encode(read, add_special_tokens=False).ids
    assert len(pieces) <= READ_TOKENS
    assert "melancholic, introspective jazz ballad" in read and "piccolo over" not in read
    assert classifier.condensed("calm piano in D minor") == "calm piano in D minor"
    assert parse_request(text, classifier=classifier).mood == "sad"
