"""Which files a piece sends when they do not all fit: the lowest-value extras go first."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.handlers.delivery import build_embed, fit_attachments
from generation.job import Composition, Job

SIZES = {".mid": 1_000, ".mp3": 20_000, ".score.png": 5_000, ".musicxml": 8_000,
         ".png": 3_000}


def piece(folder: Path) -> Composition:
    paths = {}
    for suffix, size in SIZES.items():
        paths[suffix] = folder / f"piece{suffix}"
        paths[suffix].write_bytes(b"x" * size)
    return Composition(name="piece", midi=paths[".mid"], mp3=paths[".mp3"], png=paths[".png"],
                       json=folder / "piece.json", seed=1, model_version="m", spec={},
                       request={}, musicxml=paths[".musicxml"], score=paths[".score.png"])


def names(paths) -> list[str]:
    return [p.name for p in paths]


def test_everything_is_sent_when_it_fits(tmp_path):
    chosen = asyncio.run(fit_attachments(piece(tmp_path), 40_000))
    assert names(chosen.paths) == ["piece.mid", "piece.mp3", "piece.score.png",
                                   "piece.musicxml", "piece.png"]
    assert chosen.note is None


def test_the_piano_roll_then_the_musicxml_are_left_out_first(tmp_path):
    chosen = asyncio.run(fit_attachments(piece(tmp_path), 34_000))  # all but the roll fit
    assert names(chosen.paths) == ["piece.mid", "piece.mp3", "piece.score.png",
                                   "piece.musicxml"]
    assert chosen.note == "Left out to fit this server's upload limit: the piano roll."
    chosen = asyncio.run(fit_attachments(piece(tmp_path), 30_000))
    assert names(chosen.paths) == ["piece.mid", "piece.mp3", "piece.score.png"]
    assert "the MusicXML, the piano roll" in chosen.note


def test_the_card_says_what_each_file_is(tmp_path):
    composition = piece(tmp_path)
    chosen = asyncio.run(fit_attachments(composition, 40_000))
    embed = build_embed(1, composition, Job(text="calm"), chosen.paths)
    files = next(f.value for f in embed.fields if f.name == "Files")
    assert "MusicXML" in files and "lead sheet" in files and "piano roll" in files
    assert files.count("\n") == 4  # one line a file
