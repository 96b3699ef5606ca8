"""MidiCaps-style captions: the committed set, and the parser reading its report split."""

from dataclasses import dataclass

import pytest

from generation.request.parse import parse_request
from generation.tools.caption_words import SHAPES
from generation.tools.captions import (
    build_captions,
    check_caption,
    progression,
    read_captions,
    scale_names,
)


@pytest.fixture(scope="module")
def captions():
    return read_captions()


@pytest.fixture(scope="module")
def classifier():
    from generation.request.classifier import shared_classifier

    return shared_classifier()


def test_the_committed_set_is_what_the_builder_writes(captions):
    # the labels come from what was written into each caption, never from the parser
    assert captions == build_captions()


def test_the_set_is_varied_and_long(captions):
    assert len(captions) >= 100
    assert all(150 <= len(c["text"]) <= 900 for c in captions)
    assert {c["shape"] for c in captions} == set(range(len(SHAPES)))
    assert {c["split"] for c in captions} == {"tune", "report"}
    assert max(len(c["text"]) for c in captions) > 800
    # tempos as bpm and as words (a range of bpm), keys and chords spelled with sharps and flats
    assert {c["tempo_bpm"][0] == c["tempo_bpm"][1] for c in captions} == {True, False}
    assert any("#" in c["key"] for c in captions) and any("b" in c["key"] for c in captions)


@pytest.mark.model
def test_every_slot_of_the_report_split_is_read(captions, classifier):
    missed = []
    for caption in (c for c in captions if c["split"] == "report"):
        request = parse_request(caption["text"], classifier=classifier)
        row = check_caption(caption, request)
        wrong = [slot for slot in ("key", "tempo", "meter", "instruments") if not row[slot]]
        if wrong:
            missed.append((caption["text"][:60], wrong, row["missing"], row["extra"]))
    assert not missed


def test_scales_are_spelled_with_each_letter_once():
    assert scale_names("Bb major") == ["Bb", "C", "D", "Eb", "F", "G", "A"]
    assert scale_names("F# minor") == ["F#", "G#", "A", "B", "C#", "D", "E"]
    assert scale_names("Db major") == ["Db", "Eb", "F", "Gb", "Ab", "Bb", "C"]


def test_progressions_stay_in_their_key():
    import random

    rng = random.Random(3)
    for _ in range(50):
        chords = progression("Eb major", rng)
        roots = {c[:2] if c[1:2] in ("b", "#") else c[:1] for c in chords}
        assert roots <= set(scale_names("Eb major"))


@dataclass
class _Read:
    key: str = "G minor"
    tempo_bpm: int = 112
    meter: str = "4/4"
    instruments: tuple = ("piano", "distortion guitar", "808 kit")
    stated: tuple = ("key", "tempo", "meter", "instruments")
    chords: tuple | None = None


def test_a_caption_is_checked_on_exact_programs_and_chords_by_bar():
    caption = {"key": "G minor", "tempo_bpm": [108, 120], "meter": "4/4",
               "instruments": ["program 0", "program 30", "kit 25"], "chords": ["Bb", "C", "Gm"]}
    row = check_caption(caption, _Read())
    assert row["key"] and row["tempo"] and row["meter"] and row["instruments"]
    assert "chords" not in row  # a Request without chords: reported as not read
    wrong = check_caption(caption, _Read(instruments=("piano", "electric guitar", "drums")))
    assert not wrong["instruments"] and wrong["missing"] == ["program 30", "kit 25"]
    # chords by bar, a chord held over two bars counted once
    assert check_caption(caption, _Read(chords=(["Bb"], ["Bb"], ["C"], ["Gm"])))["chords"]
    assert not check_caption(caption, _Read(chords=(["Bb"], ["F"], ["Gm"])))["chords"]
    # the progression repeated over the bars, in another spelling
    again = (["Bb"], ["C"], ["Gm"], ["Bb"], ["C"], ["Gm"])
    assert check_caption(caption, _Read(chords=again))["chords"]
    diminished = dict(caption, chords=["Bdim", "Cmaj7"])
    assert check_caption(diminished, _Read(chords=(["B°"], ["CM7"])))["chords"]
    assert not check_caption(caption, _Read(chords=(["Bb"], ["C"], ["Gm"], ["Bb"])))["chords"]
