"""What one version of a piece changed from another, read from their specs and MIDI files:
the attributes a user talks about, in words ("96 → 112 bpm", "+ cello"), and how much of the
melody was kept (read back from the two MIDI files, not promised).
"""

from __future__ import annotations

from typing import Any

from generation.job import Composition

SHOWN = ("key", "tempo_bpm", "meter", "style", "mood", "lead", "instruments",
         "total_duration_s")


def shown(spec: dict[str, Any]) -> dict[str, Any]:
    """The attributes a user talks about, from a Spec's JSON."""
    values = {name: spec.get(name) for name in SHOWN}
    values["instruments"] = list(dict.fromkeys(spec.get("instruments", [])))
    values["total_duration_s"] = round(spec.get("total_duration_s") or 0)
    values["lead"] = next((p["instrument"] for p in spec.get("parts", []) if p["role"] == "lead"),
                          None)
    return values


def differences(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    old, new = shown(before), shown(after)
    return {name: [old[name], new[name]] for name in SHOWN if old[name] != new[name]}


def change_words(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What differs between two specs (their JSON), in words: ["96 → 112 bpm", "+ cello"]."""
    old, new = shown(before), shown(after)
    words = []
    for name in SHOWN:
        was, now = old[name], new[name]
        if was == now:
            continue
        if name == "instruments":
            words += [f"+ {n}" for n in now if n not in was]
            words += [f"− {n}" for n in was if n not in now]
        elif name == "lead":
            words.append(f"melody on {now}")
        elif name == "tempo_bpm":
            words.append(f"{was} → {now} bpm")
        elif name == "total_duration_s":
            words.append(f"{was} → {now} s")
        else:
            words.append(f"{was} → {now}")
    words += _texture_words(before, after) + _level_words(before, after)
    if old["mood"] == new["mood"]:  # a mood moved by a step ("a bit sadder") keeps its name
        for axis in ("valence", "arousal"):
            was, now = before.get(axis), after.get(axis)
            if isinstance(was, float | int) and isinstance(now, float | int) and \
                    round(was, 2) != round(now, 2):
                words.append(f"{axis} {was:+.2f} → {now:+.2f}")
    return words


def _texture_words(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What a mood or texture edit moved that the shown attributes do not say: the melody's
    note density and register."""
    words = []
    was, now = before.get("density"), after.get("density")
    if isinstance(was, float | int) and isinstance(now, float | int) and \
            round(was, 2) != round(now, 2):
        words.append(f"{'busier' if now > was else 'sparser'} melody (density {was:.2f} → "
                     f"{now:.2f})")
    was, now = before.get("texture", 0), after.get("texture", 0)
    if was != now:
        words.append(f"{'busier' if now > was else 'sparser'} accompaniment")
    bands = [next((p.get("low") for p in spec.get("parts", []) if p["role"] == "lead"), None)
             for spec in (before, after)]
    if None not in bands and bands[0] != bands[1]:
        moved = abs(bands[1] - bands[0])
        words.append(f"melody {moved} semitone{'s' if moved != 1 else ''} "
                     f"{'higher' if bands[1] > bands[0] else 'lower'}")
    return words


def _level_words(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The parts played louder or quieter than the rest moved ("drums quieter"); a mood edit
    that moves every part alike changes the loudness, not the balance, and says nothing."""
    levels = [{(p["role"], p["instrument"]): p.get("velocity", 0) for p in spec.get("parts", [])}
              for spec in (before, after)]
    moved = {key: levels[1][key] - levels[0][key] for key in levels[0] if key in levels[1]}
    if len(set(moved.values())) < 2:
        return []
    deltas = list(moved.values())  # a part left alone, else what most parts moved by
    usual = 0 if 0 in deltas else max(set(deltas), key=deltas.count)
    words = [f"{instrument} {'louder' if delta > usual else 'quieter'}"
             for (_, instrument), delta in moved.items() if delta != usual]
    return list(dict.fromkeys(words))


def lead_line(piece: Composition) -> list[tuple[float, int]]:
    """The melody as (onset in beats, pitch), read back from the piece's MIDI file, each onset
    on the written grid (12 per beat): the performance's few milliseconds of lay-back and
    humanize are how a note is played, not which note it is."""
    import pretty_midi

    lead = next((p["instrument"] for p in piece.spec.get("parts", []) if p["role"] == "lead"),
                None)
    midi = pretty_midi.PrettyMIDI(str(piece.midi))
    track = next((t for t in midi.instruments if t.name == lead), None)
    if track is None:
        return []
    return sorted((round(round(12 * midi.time_to_tick(n.start) / midi.resolution) / 12, 3),
                   n.pitch) for n in track.notes)


def melody_kept(before: Composition, after: Composition) -> float:
    """The share of the earlier melody's notes that the later piece plays at the same beat
    and pitch, allowing one transposition and one delay (a transposed melody, or one an intro
    was put before, counts as kept)."""
    old, new = lead_line(before), lead_line(after)
    if not old or not new:
        return 0.0
    played = set(new)
    best = 0.0  # the same start, or the melody moved (an intro put before it), either way
    for delay in {0.0, round(new[0][0] - old[0][0], 3)}:
        for shift in {0, new[0][1] - old[0][1]}:
            kept = sum((round(beat + delay, 3), pitch + shift) in played for beat, pitch in old)
            best = max(best, kept / len(old))
    return best


def kept_words(share: float) -> str:
    if share == 1.0:
        return "same melody"
    if share >= 0.5:
        return f"{share:.0%} of the melody kept"
    return "new melody"
