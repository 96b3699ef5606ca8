"""`tunesmith chat`: a local console with the bot's commands and reactions, no Discord needed.

It drives the same Composer and the same follow-up jobs as the Discord bot, so what works
here works there.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from generation import Composition, Job, follow_up
from models.errors import TunesmithError

HELP = """Commands (type a sentence on its own to compose it):
  /compose TEXT        compose a piece, e.g. /compose calm piano in D minor
  🔁 or /again         the same request with a new seed
  🎲 or /vary          same plan, new melody details
  ⏩ or /extend        continue the piece with another section
  🐇 or /faster        15 % faster        🐢 or /slower   15 % slower
  🎹 or /instrument NAME   give the melody to another instrument (e.g. /instrument flute)
  /continue FILE.mid [TEXT]   continue or re-arrange a MIDI file
  /history             what you made in this session
  /help                this text          /quit   leave"""

ALIASES = {"🔁": "again", "🎲": "vary", "⏩": "extend", "🐇": "faster", "🐢": "slower",
           "🎹": "instrument"}
ACTIONS = {"again": "regenerate", "vary": "vary", "extend": "extend", "faster": "faster",
           "slower": "slower", "instrument": "instrument"}


def summary(piece: Composition) -> str:
    spec = piece.spec
    lines = [
        f"♪ {spec['key']} · {spec['tempo_bpm']} bpm · {spec['meter']} · {spec['style']} · "
        f"{', '.join(dict.fromkeys(spec['instruments']))} · {piece.duration_s:.1f} s · "
        f"seed {piece.seed}",
        f"  MIDI {piece.midi}", f"  MP3  {piece.mp3}", f"  PNG  {piece.png}",
    ]
    lines += [f"  note: {note}" for note in piece.notes]
    return "\n".join(lines)


class ChatSession:
    """One console conversation: the last piece and the history of everything made."""

    def __init__(self, run: Callable[[Job, Path], Composition], out_dir: Path,
                 rng: random.Random | None = None):
        self.run = run
        self.out_dir = out_dir
        self.rng = rng or random.Random()
        self.history: list[tuple[Job, Composition]] = []

    def handle(self, line: str) -> str | None:
        """Answer one line; None means the user wants to leave."""
        line = line.strip()
        if not line:
            return ""
        for emoji, word in ALIASES.items():
            if line.startswith(emoji):
                line = f"/{word}{line[len(emoji):]}"
        if not line.startswith("/"):
            line = f"/compose {line}"
        command, _, rest = line[1:].partition(" ")
        command, rest = command.lower(), rest.strip()
        try:
            return self._dispatch(command, rest)
        except TunesmithError as error:
            return f"✗ {error}"

    def _dispatch(self, command: str, rest: str) -> str | None:
        if command in ("quit", "exit", "q"):
            return None
        if command == "help":
            return HELP
        if command == "history":
            if not self.history:
                return "nothing yet: try /compose calm piano in D minor"
            return "\n".join(f"{i + 1}. {job.action} “{job.text}” → {piece.mp3}"
                             for i, (job, piece) in enumerate(self.history))
        if command == "compose":
            return self._make(Job(text=rest, seed=self.rng.randrange(2**31)))
        if command == "continue":
            path, _, text = rest.partition(" ")
            if not path:
                return "✗ give a MIDI file: /continue song.mid [what to do with it]"
            return self._make(Job(action="continue", text=text, midi_path=path,
                                  seed=self.rng.randrange(2**31)))
        if command in ACTIONS:
            if not self.history:
                return "✗ compose something first, e.g. /compose happy folk tune"
            if command == "instrument" and not rest:
                return "✗ name the instrument, e.g. /instrument flute"
            job, piece = self.history[-1]
            seed = self.rng.randrange(2**31) if command in ("again", "vary") else piece.seed
            return self._make(follow_up(job, piece, ACTIONS[command], seed=seed,
                                        instrument=rest.lower() or None))
        return f"✗ unknown command /{command}; type /help"

    def _make(self, job: Job) -> str:
        piece = self.run(job, self.out_dir)
        self.history.append((job, piece))
        return summary(piece)


def chat(out_dir: Path, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    from generation import Composer

    composer = Composer()
    session = ChatSession(lambda job, out: composer.run(job, out), out_dir)
    interactive = stdin.isatty()
    print("tunesmith chat — type a sentence to compose it, /help for commands", file=stdout)
    while True:
        if interactive:
            print("tunesmith> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            return 0
        answer = session.handle(line)
        if answer is None:
            return 0
        if answer:
            print(answer, file=stdout, flush=True)
