"""MusicXML → a PNG of the engraved page: verovio lays the music out, resvg draws it.

Both ship as wheels with nothing to fetch. Verovio writes SVG whose music glyphs are paths and
whose text asks for two fonts: a Times-like serif (matplotlib's STIX, always installed with
it) and the music font Leipzig for the symbols inside text (the note of a metronome mark, the
flat of a chord symbol). Leipzig comes embedded in verovio's CSS as WOFF2, which resvg does not
read; it is unpacked once per machine into the temporary folder.
"""

from __future__ import annotations

import base64
import functools
import io
import os
import re
import tempfile
import threading
from pathlib import Path

WIDTH_PX = 1400  # wide enough to read on a phone once Discord scales it down
PAGE = {"pageWidth": 1900, "pageHeight": 60000, "adjustPageHeight": True, "scale": 50,
        "pageMarginLeft": 60, "pageMarginRight": 60, "pageMarginTop": 40,
        "pageMarginBottom": 40, "breaks": "auto", "header": "auto", "footer": "none",
        "spacingSystem": 10}
SERIF = ("STIXGeneral.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBol.ttf",
         "STIXGeneralBolIta.ttf")

_lock = threading.Lock()  # one verovio toolkit per process, used by one thread at a time


def engrave(musicxml: str, path: Path) -> Path:
    """Write the PNG of `musicxml`'s first page (the whole piece: the page grows to fit)."""
    import resvg_py

    with _lock:
        toolkit = _toolkit()
        toolkit.setOptions(PAGE)
        if not toolkit.loadData(musicxml):
            raise ValueError("verovio could not read the MusicXML it was given")
        svg = toolkit.renderToSVG(1)
    # verovio sizes a text in its inner spans and gives the outer one size 0, from which
    # resvg measures a centred line as empty: a centred title would start at the middle
    svg = svg.replace('<text font-size="0px">', "<text>")
    png = resvg_py.svg_to_bytes(svg_string=svg, background="white", width=WIDTH_PX,
                                skip_system_fonts=True, font_files=_fonts(),
                                serif_family="STIXGeneral", font_family="STIXGeneral")
    path.write_bytes(bytes(png))
    return path


@functools.cache
def _toolkit():
    import verovio

    verovio.enableLog(verovio.LOG_OFF)
    toolkit = verovio.toolkit(False)
    toolkit.setResourcePath(str(Path(verovio.__file__).parent / "data"))
    return toolkit


@functools.cache
def _fonts() -> list[str]:
    import matplotlib

    stix = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return [str(stix / name) for name in SERIF] + [str(_leipzig())]


def _leipzig() -> Path:
    """Verovio's Leipzig text font as an OpenType file resvg can load."""
    from importlib.metadata import version

    import verovio
    from fontTools.ttLib import TTFont

    data = Path(verovio.__file__).parent / "data"
    folder = Path(tempfile.gettempdir()) / f"tunesmith-fonts-verovio-{version('verovio')}"
    target = folder / "Leipzig.otf"
    if target.exists():
        return target
    css = (data / "Leipzig.css").read_text(encoding="utf-8")
    packed = base64.b64decode(re.search(r"base64,([^)'\"]+)", css).group(1))
    font = TTFont(io.BytesIO(packed))
    font.flavor = None  # WOFF2 → plain OpenType (needs brotli)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"Leipzig.{os.getpid()}.{threading.get_ident()}.tmp"
    font.save(str(partial))
    os.replace(partial, target)  # atomic: a second process never reads half a font
    return target
