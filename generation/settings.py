"""Settings of the generation core, read once from the environment and validated."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generation.job import MAX_LENGTH_S
from models.core.errors import ConfigError, DependencyError

SOUNDFONT_CANDIDATES = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/soundfonts/default.sf2",
)

MP3_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


class Env:
    """Settings read from environment variables (`os.environ` unless given). Every reader of
    settings in tunesmith uses this, so a bad value is always a ConfigError naming it."""

    def __init__(self, env: Mapping[str, str] | None = None):
        self.env = dict(os.environ if env is None else env)

    def text(self, name: str, default: str = "") -> str:
        return self.env.get(name, "").strip() or default

    def number(self, name: str, default: float) -> float:
        raw = self.env.get(name, "").strip()
        if not raw:
            return default
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not a number") from None

    def whole(self, name: str, default: int) -> int:
        value = self.number(name, default)
        if value != int(value):
            raise ConfigError(f"{name}={self.env[name].strip()!r} is not a whole number")
        return int(value)

    def flag(self, name: str) -> bool:
        return self.text(name).lower() in ("1", "true", "yes", "on")


MAX_RENDER_S = MAX_LENGTH_S + 30.0


@dataclass(frozen=True)
class Settings:
    """Where files go and how audio is made.

    Every field can be set by the environment variable named in its comment.
    """

    soundfont: Path | None = None  # TUNESMITH_SOUNDFONT; None: found from the Debian package
    out_dir: Path = Path("out")  # TUNESMITH_OUT
    cache_dir: Path = Path(".cache")  # TUNESMITH_CACHE: prepared corpus arrays
    sample_rate: int = 44_100  # TUNESMITH_SAMPLE_RATE
    mp3_bitrate_kbps: int = 192  # TUNESMITH_MP3_BITRATE
    mp3_quality: int = 7  # TUNESMITH_MP3_QUALITY: LAME 2 (best, slow) … 7 (fast); see README
    release_tail_s: float = 2.0  # TUNESMITH_RELEASE_TAIL: audio kept after the last note ends
    # TUNESMITH_MAX_RENDER: hard cap on any rendered audio: the longest piece, a tempo edit's
    # rounding and its release tail
    max_render_s: float = MAX_RENDER_S
    target_lufs: float = -14.0  # TUNESMITH_LOUDNESS: integrated loudness (BS.1770) of every MP3
    device: str = field(default="cpu")  # TUNESMITH_DEVICE: torch device for the music model
    rerank: bool = True  # TUNESMITH_RERANK (0 = off): the critic orders a new piece's drafts

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = Env(env)
        soundfont = env.text("TUNESMITH_SOUNDFONT")
        settings = cls(
            soundfont=Path(soundfont) if soundfont else None,
            out_dir=Path(env.text("TUNESMITH_OUT", "out")),
            cache_dir=Path(env.text("TUNESMITH_CACHE", ".cache")),
            sample_rate=env.whole("TUNESMITH_SAMPLE_RATE", 44_100),
            mp3_bitrate_kbps=env.whole("TUNESMITH_MP3_BITRATE", 192),
            mp3_quality=env.whole("TUNESMITH_MP3_QUALITY", 7),
            release_tail_s=env.number("TUNESMITH_RELEASE_TAIL", 2.0),
            max_render_s=env.number("TUNESMITH_MAX_RENDER", MAX_RENDER_S),
            target_lufs=env.number("TUNESMITH_LOUDNESS", -14.0),
            device=env.text("TUNESMITH_DEVICE", "cpu"),
            rerank=env.text("TUNESMITH_RERANK", "1").lower() not in ("0", "false", "no", "off"),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        if not 8_000 <= self.sample_rate <= 96_000:
            raise ConfigError(f"sample rate {self.sample_rate} Hz is outside 8000–96000 Hz")
        if self.mp3_bitrate_kbps not in MP3_BITRATES:
            raise ConfigError(
                f"MP3 bitrate {self.mp3_bitrate_kbps} kbps is not one of {MP3_BITRATES}"
            )
        if not 0 <= self.mp3_quality <= 9:
            raise ConfigError(f"MP3 quality {self.mp3_quality} is outside LAME's 0–9")
        if not 0 <= self.release_tail_s <= 10:
            raise ConfigError(f"release tail {self.release_tail_s} s is outside 0–10 s")
        if not 1 <= self.max_render_s <= 3600:
            raise ConfigError(f"render cap {self.max_render_s} s is outside 1–3600 s")
        if not -40 <= self.target_lufs <= -6:
            raise ConfigError(f"loudness {self.target_lufs} LUFS is outside -40 to -6 LUFS")

    def soundfont_path(self) -> Path:
        """The General MIDI SoundFont to use, or a DependencyError naming the package."""
        if self.soundfont is not None:
            if not self.soundfont.is_file():
                raise DependencyError(
                    f"the SoundFont {self.soundfont} (TUNESMITH_SOUNDFONT) does not exist"
                )
            return self.soundfont
        for candidate in SOUNDFONT_CANDIDATES:
            if Path(candidate).is_file():
                return Path(candidate)
        raise DependencyError(
            "no General MIDI SoundFont found: install the Debian package fluid-soundfont-gm "
            "(sudo apt-get install fluid-soundfont-gm) or set TUNESMITH_SOUNDFONT"
        )
