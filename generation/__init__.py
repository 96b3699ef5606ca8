"""tunesmith's generation core: text in, MIDI, MP3 and a piano roll out.

This module is the whole of what the product in `bot/` uses. The light values are imported at
once: a job and what it gives back, the limits every entry point checks, the settings and the
vocabularies. The rest (the upload checks, the composer, the conversation, the request parser,
the renderer) is imported on first use (PEP 562), so `tunesmith parse` and the Discord bot
start without paying for what they do not run. The offline tools (training, evaluation,
benchmarks) are not part of it: `tunesmith train/eval/bench` (bot/offline.py) import
`generation.tools` themselves.

Inside, the stages are folders: `request/` (text → Request), `music/` (Request → Spec → MIDI),
`audio/` (MIDI → MP3, PNG), wired together by `composer.py`; `tools/` runs offline.
"""

from __future__ import annotations

import importlib
from typing import Any

from generation.job import (
    FOLLOW_UPS,
    MAX_BPM,
    MAX_LENGTH_S,
    MAX_PROMPT,
    MIN_BPM,
    VARY_DEFAULT,
    Changes,
    Composition,
    Job,
    Request,
    blend_job,
    check_prompt,
    follow_up,
    new_seed,
)
from generation.settings import Env, Settings
from generation.vocab import FAMILIES, INSTRUMENTS, INSTRUMENTS_SAID, MOODS, STYLES

_LAZY = {  # name → "module:attribute", imported when first asked for
    "MidiLimits": "generation.music.upload:MidiLimits",  # subprocess and hashlib: 8 ms
    "check_size": "generation.music.upload:check_size",
    "clean_upload": "generation.music.upload:clean_upload",
    "Composer": "generation.composer:Composer",
    "Conversation": "generation.conversation:Conversation",
    "Answer": "generation.conversation:Answer",
    "answer_question": "generation.conversation:answer_question",
    "change_words": "generation.conversation:change_words",
    "CHAT_HELP": "generation.conversation:HELP",
    "read_turn": "generation.request.turn:read_turn",
    "understand": "generation.request.understand:understand",
    "picked": "generation.request.understand:picked",
    "PREVIOUS": "generation.request.turn:PREVIOUS",
    "render_file": "generation.composer:render_file",
    "parse_request": "generation.request.parse:parse_request",
}

__all__ = [
    "FAMILIES", "FOLLOW_UPS", "INSTRUMENTS", "INSTRUMENTS_SAID", "MAX_BPM", "MAX_LENGTH_S",
    "MAX_PROMPT", "MIN_BPM", "MOODS", "STYLES", "VARY_DEFAULT",
    "Changes", "Composition", "Env", "Job", "Request", "Settings", "blend_job", "check_prompt",
    "follow_up",
    "new_seed", *_LAZY,
]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, _, attribute = target.partition(":")
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
