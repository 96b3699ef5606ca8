"""What a radio costs and how it joins: the real bot, a real worker process with the real
Composer, the fake Discord's voice server on loopback, for as long as you like.

    PYTHONPATH=$PWD .venv/bin/python -m tests.bench_radio --minutes 10 [--prompt "..."]

CPU is counted by where it is spent: the worker process (composing, rendering, MP3, notation),
the bot's audio thread (Opus encoding, encryption, sending), the ffmpeg runs that decode each
piece, and the main thread, which runs the bot's event loop *and* the fake Discord (it
decrypts and decodes every packet it receives), so its share is an upper bound on the bot's.
Gaps: the longest quiet run (10 ms windows under −50 dBFS) between the first sound and the
last, the frames of silence the stream played while waiting for a piece, and the longest
time between two RTP packets arriving (the audio thread's scheduling, on a busy machine).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

from bot.jobs.pool import WorkerPool
from generation import Settings
from models.evaluation.machine import cpu_identity
from tests.bot_harness import fake_discord, running_bot
from tests.fake_discord import ALICE, GUILD_ID
from tests.fake_discord_data import VOICE_ID
from tests.voice_harness import heard_mono, quiet_runs_ms


def thread_cpu(native_id: int) -> float:
    for thread in psutil.Process().threads():
        if thread.id == native_id:
            return thread.user_time + thread.system_time
    return 0.0


async def bench(minutes: float, prompt: str, out: Path) -> None:
    pool = WorkerPool(Settings(out_dir=out / "out"), workers=1, job_timeout_s=300,
                      factory="generation.composer:Composer")
    async with fake_discord() as fake, running_bot(fake, pool, out) as bot:
        await fake.join_voice(ALICE, VOICE_ID)
        await fake.slash("radio", prompt=prompt)
        await fake.wait_for(lambda: bot.voice.rooms.get(GUILD_ID)
                            and bot.voice.rooms[GUILD_ID].radio, 60)
        radio = bot.voice.rooms[GUILD_ID].radio
        await fake.wait_for(lambda: radio.played, 300)  # the model is warm from here on
        worker = psutil.Process(pool.worker_pids()[0])
        player = next(t for t in threading.enumerate() if t.name.startswith("audio-player"))
        main = threading.main_thread().native_id
        started = time.monotonic()
        cpu0 = (sum(worker.cpu_times()[:2]), thread_cpu(player.native_id), thread_cpu(main),
                resource.getrusage(resource.RUSAGE_CHILDREN))
        frames0, underruns0 = fake.heard_frames(), radio.stream.underruns
        await asyncio.sleep(minutes * 60)
        wall = time.monotonic() - started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = {"worker (compose, render, MP3, notation)": sum(worker.cpu_times()[:2]) - cpu0[0],
               "audio thread (Opus, encryption, UDP)": thread_cpu(player.native_id) - cpu0[1],
               "ffmpeg decodes": (children.ru_utime + children.ru_stime
                                  - cpu0[3].ru_utime - cpu0[3].ru_stime),
               "main thread (bot loop + the fake server: upper bound)":
                   thread_cpu(main) - cpu0[2]}
        played = len(radio.played)
        underruns = radio.stream.underruns - underruns0
        session = fake.voice_sessions[-1]
        arrivals = np.diff([frame[0] for frame in session.frames[frames0:]])
        await fake.slash("stop")
        await fake.wait_for(lambda: bot.voice.rooms[GUILD_ID].radio is None, 30)
    heard = heard_mono(fake.heard())
    loud = np.flatnonzero(np.abs(heard) > 10 ** (-50 / 20))
    runs = quiet_runs_ms(heard[loud[0]:loud[-1]], 48_000)
    print(f"CPU: {cpu_identity()}")
    print(f"radio of {wall / 60:.1f} min, prompt {prompt!r}: {played} pieces began")
    for name, seconds in cpu.items():
        print(f"  {name}: {seconds:.1f} s CPU = {100 * seconds / wall:.2f} % of one core")
    core = sum(v for k, v in cpu.items() if not k.startswith("main"))
    print(f"  worker + audio thread + ffmpeg: {100 * core / wall:.2f} % of one core")
    print(f"longest quiet run {max(runs, default=0)} ms; silence played while waiting for a "
          f"piece after the first: {underruns} frames ({underruns * 20} ms); packet arrival "
          f"gap p99 {np.percentile(arrivals, 99) * 1e3:.1f} ms, max {arrivals.max() * 1e3:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--prompt", default="calm lofi piano")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(bench(args.minutes, args.prompt, Path(folder)))


if __name__ == "__main__":
    main()
