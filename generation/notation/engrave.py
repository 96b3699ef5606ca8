"""MusicXML → a PNG of the engraved page: verovio lays the music out, resvg draws it.

Both ship as wheels with nothing to fetch. Verovio writes SVG whose music glyphs are paths and
whose text asks for two fonts: a Times-like serif (matplotlib's STIX, always installed with
it) and the music font Leipzig for the symbols inside text (the note of a metronome mark, the
flat of a chord symbol). Leipzig comes embedded in verovio's CSS as WOFF2, which resvg does not
read; it is unpacked once per machine into the temporary folder, beside cut-down copies of the
serif faces (resvg parses every font file on each drawing).
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

WIDTH_PX = 1200  # wide enough to read on a phone once Discord scales it down
PAGE = {"pageWidth": 1900, "pageHeight": 60000, "adjustPageHeight": True, "scale": 50,
        "pageMarginLeft": 60, "pageMarginRight": 60, "pageMarginTop": 40,
        "pageMarginBottom": 40, "breaks": "auto", "header": "auto", "footer": "none",
        "spacingSystem": 10}
SERIF = ("STIXGeneral.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBol.ttf")
# Latin with its accents, general punctuation (quotes, dashes), the music signs of Unicode
# and the prime of A′: the text of any score, in the languages requests come in
TEXT_CHARACTERS = [*range(0x20, 0x250), *range(0x2000, 0x2070), *range(0x2190, 0x2200),
                   0x2032, 0x2033, *range(0x2669, 0x2670)]

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


def ready() -> None:
    """Load the engraver and make its fonts now, so a first piece does not wait for them."""
    _toolkit()
    _fonts()


@functools.cache
def _toolkit():
    import verovio

    verovio.enableLog(verovio.LOG_OFF)
    toolkit = verovio.toolkit(False)
    toolkit.setResourcePath(str(Path(verovio.__file__).parent / "data"))
    return toolkit


@functools.cache
def _fonts() -> list[str]:
    """The font files resvg reads on every drawing: the serif faces cut down to the
    characters a score's text uses (resvg parses every file it is given each time: the whole
    STIX faces cost more than the drawing), and Leipzig."""
    folder = _font_folder()
    return [str(_cached(folder / name, lambda target, name=name: _subset(name, target)))
            for name in SERIF] + [str(_cached(folder / "Leipzig.otf", _leipzig))]


def _font_folder() -> Path:
    from importlib.metadata import version

    return Path(tempfile.gettempdir()) / f"tunesmith-fonts-verovio-{version('verovio')}"


def _cached(target: Path, make) -> Path:
    """`target`, made once per machine by `make(path)`; atomic, so a second process never
    reads half a font."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        make(partial)
        os.replace(partial, target)
    return target


def _subset(name: str, target: Path) -> None:
    import matplotlib
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name)
    cutter = subset.Subsetter(subset.Options(layout_features=["*"], hinting=False,
                                             name_IDs=["*"], notdef_outline=True))
    cutter.populate(unicodes=TEXT_CHARACTERS)
    cutter.subset(font)
    font.save(str(target))


def _leipzig(target: Path) -> None:
    """Verovio's Leipzig text font as an OpenType file resvg can load."""
    import verovio
    from fontTools.ttLib import TTFont

    css = (Path(verovio.__file__).parent / "data" / "Leipzig.css").read_text(encoding="utf-8")
    packed = base64.b64decode(re.search(r"base64,([^)'\"]+)", css).group(1))
    font = TTFont(io.BytesIO(packed))
    font.flavor = None  # WOFF2 → plain OpenType (needs brotli)
    font.save(str(target))
