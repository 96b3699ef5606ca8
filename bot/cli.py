"""The `tunesmith` command: the one entry point that configures logging.

Each subcommand is a small function that imports what it needs when it runs, so that
`tunesmith parse` never pays for torch and `tunesmith compose` never imports discord.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from models.errors import TunesmithError

log = logging.getLogger("tunesmith")


def _render(args: argparse.Namespace) -> int:
    from generation.render import render_file
    from generation.settings import Settings

    rendered = render_file(Path(args.file), Path(args.out), Settings.from_env())
    print(json.dumps(rendered.to_json(), indent=2))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from generation import bench

    report = bench.run(args.what, runs=args.runs)
    print(json.dumps(report, indent=2))
    return 0


def _bot(args: argparse.Namespace) -> int:
    from bot.main import run

    return run(sync=args.sync)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tunesmith", description="Compose music from a sentence: MIDI, MP3 and a piano roll."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    render = commands.add_parser("render", help="any MIDI file → .mp3 and .png")
    render.add_argument("file", help="a .mid file")
    render.add_argument("--out", default="out", help="folder to write into (default: out)")
    render.set_defaults(handler=_render)

    bot = commands.add_parser("bot", help="the Discord bot (DISCORD_TOKEN from the environment)")
    bot.add_argument("--sync", action="store_true",
                     help="push the slash commands to Discord at startup (first run, changes)")
    bot.set_defaults(handler=_bot)

    bench = commands.add_parser("bench", help="measure speed and memory (JSON report)")
    bench.add_argument("what", choices=["render"], help="the stage to measure")
    bench.add_argument("--runs", type=int, default=5, help="runs to take the median over")
    bench.set_defaults(handler=_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.handler(args)
    except TunesmithError as error:
        print(f"tunesmith: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception:
        log.exception("unexpected failure")
        print("tunesmith: sorry, something went wrong on our side (details are in the log)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
