"""`tunesmith eval compose`: does each piece do what its request asked, and how does it sound?

Adherence is measured on the written MIDI, the way a listener's tools would: the key by
Krumhansl–Schmuckler key-finding on the notes (exact, and tolerant of the relative key), the
tempo and meter from the file's meta events, the General MIDI programs present, the length
from the last note-off. Musical metrics are reported per style.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pretty_midi

from generation.job import Job
from generation.music.instruments import instrument
from generation.music.keyfind import estimate_key, key_agrees
from generation.paths import DATA
from models.evaluation.machine import machine_line
from models.inference import MODES

REQUESTS = DATA / "eval_requests.txt"
LENGTH_TOLERANCE = 0.03


def load_requests(path: Path = REQUESTS) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def musical_metrics(midi: pretty_midi.PrettyMIDI, spec: dict[str, Any]) -> dict[str, float]:
    """Pitch-class entropy, scale consistency, empty bars, lead range and lead/part clashes."""
    pitched = [n for i in midi.instruments if not i.is_drum for n in i.notes]
    histogram = np.zeros(12)
    for note in pitched:
        histogram[note.pitch % 12] += note.end - note.start
    p = histogram / max(histogram.sum(), 1e-9)
    entropy = float(-sum(x * math.log2(x) for x in p if x > 0))
    scale = {(spec["tonic"] + step) % 12 for step in MODES[spec["mode"]]}
    in_scale = sum(histogram[pc] for pc in scale) / max(histogram.sum(), 1e-9)
    bar_s = spec["meter_beats"] * 60 / spec["tempo_bpm"]
    bars = max(1, round(midi.get_end_time() / bar_s))  # the last bar may be held longer
    busy = np.zeros(bars, dtype=bool)
    for note in pitched:  # 1 ms of slack: onsets are stored in ticks
        busy[min(bars - 1, int((note.start + 1e-3) // bar_s))] = True
    lead = midi.instruments[0].notes if midi.instruments else []
    others = [n for i in midi.instruments[1:] if not i.is_drum for n in i.notes]
    clashes = 0
    for note in lead:
        for other in others:  # a minor second against a part sounding at the lead's onset
            if other.start <= note.start < other.end and abs(other.pitch - note.pitch) == 1:
                clashes += 1
                break
    return {
        "pitch_class_entropy": round(entropy, 3),
        "scale_consistency": round(float(in_scale), 3),
        "empty_bar_rate": round(1 - float(busy.mean()), 3),
        "lead_range": (max(n.pitch for n in lead) - min(n.pitch for n in lead)) if lead else 0,
        "lead_notes_per_bar": round(len(lead) / bars, 2),
        "clash_rate": round(clashes / max(len(lead), 1), 3),
    }


def check_piece(midi: pretty_midi.PrettyMIDI, request: dict[str, Any],
                spec: dict[str, Any]) -> dict[str, Any]:
    """What was stated, and whether the MIDI obeys it."""
    stated = set(request.get("stated", ()))
    found = estimate_key(midi)
    exact, relative = key_agrees(spec["key"], found)
    _, tempi = midi.get_tempo_changes()
    sig = midi.time_signature_changes[0]
    # each instrument on its exact program: a melodic program, or a drum kit on channel 10
    programs = {(i.is_drum, i.program) for i in midi.instruments if i.notes}
    wanted = [(instrument(name).is_drum, instrument(name).program)
              for name in request.get("instruments", ())]
    length, asked = midi.get_end_time(), request["duration_s"]
    return {
        "key_asked": spec["key"], "key_found": found.name, "key_exact": exact,
        "key_relative": relative,
        "tempo_ok": round(float(tempi[0])) == request["tempo_bpm"],
        "meter_ok": f"{sig.numerator}/{sig.denominator}" == request["meter"],
        "instruments_ok": all(w in programs for w in wanted),
        "length_ok": abs(length - asked) <= LENGTH_TOLERANCE * asked,
        "length_error": round(abs(length - asked) / asked, 4),
        "stated": sorted(stated),
    }


def evaluate(composer, requests: list[str], out_dir: Path, seed: int = 1) -> dict[str, Any]:
    rows = []
    for index, text in enumerate(requests):
        started = time.perf_counter()
        piece = composer.run(Job(text=text, seed=seed + index), out_dir)
        seconds = time.perf_counter() - started
        midi = pretty_midi.PrettyMIDI(str(piece.midi))
        spec = dict(piece.spec, meter_beats=eval_meter_beats(piece.spec["meter"]))
        rows.append({"text": text, "style": piece.spec["style"], "seconds": round(seconds, 3),
                     **check_piece(midi, piece.request, spec),
                     **musical_metrics(midi, spec)})
    return {"rows": rows, "summary": summarise(rows)}


def eval_meter_beats(meter: str) -> float:
    numerator, denominator = (int(x) for x in meter.split("/"))
    return numerator * 4 / denominator


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def rate(name: str, slot: str | None = None) -> str:
        chosen = [r for r in rows if slot is None or slot in r["stated"]]
        if not chosen:
            return "n/a"
        return f"{sum(bool(r[name]) for r in chosen)}/{len(chosen)}"

    by_style: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_style[row["style"]].append(row)
    metrics = ("pitch_class_entropy", "scale_consistency", "empty_bar_rate", "lead_range",
               "lead_notes_per_bar", "clash_rate")
    return {
        "machine": machine_line(),  # the seconds below were measured on it
        "pieces": len(rows),
        "key_exact (stated)": rate("key_exact", "key"),
        "key_relative (stated)": rate("key_relative", "key"),
        "key_exact (all)": rate("key_exact"),
        "tempo (stated)": rate("tempo_ok", "tempo"),
        "meter (stated)": rate("meter_ok", "meter"),
        "instruments (stated)": rate("instruments_ok", "instruments"),
        "length ±3 % (stated)": rate("length_ok", "length"),
        "median seconds per piece": round(statistics.median(r["seconds"] for r in rows), 3),
        "per_style": {style: {m: round(statistics.mean(r[m] for r in group), 3)
                              for m in metrics} | {"pieces": len(group)}
                      for style, group in sorted(by_style.items())},
    }


def report_markdown(result: dict[str, Any]) -> str:
    summary = result["summary"]
    lines = ["# tunesmith eval compose", "", f"Measured on {summary['machine']}.", "",
             "| measure | result |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary.items() if k not in ("per_style", "machine")]
    metrics = list(next(iter(summary["per_style"].values())))
    lines += ["", "## Musical metrics per style (means)", "",
              "| style | " + " | ".join(metrics) + " |", "|---" * (len(metrics) + 1) + "|"]
    for style, values in summary["per_style"].items():
        lines.append(f"| {style} | " + " | ".join(str(values[m]) for m in metrics) + " |")
    lines += ["", "## Pieces", "", "| request | key asked → found | tempo | meter | instruments "
              "| length error |", "|---|---|---|---|---|---|"]
    for r in result["rows"]:
        mark = {True: "✓", False: "✗"}
        lines.append(f"| {r['text']} | {r['key_asked']} → {r['key_found']} "
                     f"{mark[r['key_exact']]} | {mark[r['tempo_ok']]} | {mark[r['meter_ok']]} | "
                     f"{mark[r['instruments_ok']]} | {r['length_error']:.1%} |")
    return "\n".join(lines) + "\n"
