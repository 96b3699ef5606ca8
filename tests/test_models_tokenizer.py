"""Tokenizer: exact round trips on real corpus pieces, controls, the vocabulary hash."""

from __future__ import annotations

import pytest

from models.core.errors import RequestError
from models.core.grid import Piece, bars_to_notes, notes_to_bars
from models.core.harmony import Chord
from models.core.notes import Controls
from models.core.tokenizer import Tokenizer, density_of
from models.training import corpus

CORPUS_FILES = ("ryansMammoth/AbithaMugginsFavoriteReel.abc", "bach/bwv104.6.mxl",
                "palestrina/Agnus_02.krn", "oneills1850/0001-0050.abc")


@pytest.fixture(scope="module")
def pieces() -> list[Piece]:
    import music21

    root = __import__("pathlib").Path(music21.__file__).parent / "corpus"
    found = [Piece.from_json(d) for name in CORPUS_FILES
             for d in corpus.load_file(str(root / name))[:5]]
    assert len(found) >= 8
    return found


def test_encode_decode_round_trips_real_pieces(pieces):
    tokenizer = Tokenizer()
    for piece in pieces:
        header, bars = tokenizer.decode(tokenizer.encode(piece))
        assert header == tokenizer.header_of(piece)
        assert bars == list(piece.bars), piece.name


def test_chunks_fit_the_context_and_cover_every_bar(pieces):
    tokenizer = Tokenizer()
    for piece in pieces:
        chunks = tokenizer.encode_chunks(piece, 128)
        assert all(len(c) <= 128 and c[0] == tokenizer.index["BOS"] for c in chunks)
        decoded = [bar for c in chunks for bar in tokenizer.decode(c)[1]]
        assert [b.notes for b in decoded] == [b.notes for b in piece.bars], piece.name


def test_notes_round_trip_through_bars(pieces):
    for piece in pieces:
        notes = bars_to_notes(list(piece.bars))
        bars = notes_to_bars(notes, piece.bars[0].meter, piece.mode)
        if all(b.meter == piece.bars[0].meter for b in piece.bars):
            assert bars_to_notes(bars) == notes, piece.name


def test_pieces_are_in_c_with_the_tonic_as_final():
    tokenizer = Tokenizer()
    import music21

    root = __import__("pathlib").Path(music21.__file__).parent / "corpus"
    piece = Piece.from_json(corpus.load_file(str(root / "bach/bwv104.6.mxl"))[0])
    assert piece.mode in ("major", "minor")
    assert tokenizer.header_of(piece).style == "bach"
    last_note = piece.bars[-1].notes[-1]
    assert last_note[2] % 12 in (0, 4, 7)  # the soprano ends on a tonic-chord tone in C


def test_controls_header_quotes_bad_values():
    tokenizer = Tokenizer()
    good = Controls("celtic", "dorian", (6, 8), 140, 0.9, -0.5, 0.7)
    header = tokenizer.controls_header(good)
    assert (header.style, header.mode, header.meter, header.tempo, header.density) == (
        "oneill", "dorian", "6/8", "fast", 2)
    assert header.tokens()[-1] == "MOOD_nh"
    with pytest.raises(RequestError, match="meter 7/4"):
        tokenizer.controls_header(Controls("folk", "major", (7, 4), 100, 0.5, 0, 0))
    with pytest.raises(RequestError, match="'bebop'"):
        tokenizer.controls_header(Controls("bebop", "major", (4, 4), 100, 0.5, 0, 0))


def test_density_follows_notes_a_second_and_never_floods():
    # a busy fast request: eighths (DENS_2), not the sixteenths of DENS_3
    assert density_of(0.95, 160) == 2 and density_of(0.95, 60) == 2
    # the same sparse density is eighths at a slow tempo, quarters at a fast one
    assert density_of(0.3, 64) == 2 and density_of(0.3, 140) == 1
    # nothing asks for the half notes of DENS_0
    assert min(density_of(d / 10, bpm) for d in range(11) for bpm in (40, 120, 240)) == 1


def test_vocabulary_hash_is_stable_and_covers_every_token():
    first, second = Tokenizer(), Tokenizer()
    assert first.vocab_hash == second.vocab_hash and len(first.vocab_hash) == 16
    assert len(set(first.vocab)) == len(first.vocab)
    assert f"CHORD_7_{Chord(7, 'dom7').token_quality()}" in first.index
