"""Where the generation core's own data files are: one folder, shipped inside the package."""

from pathlib import Path

DATA = Path(__file__).parent / "data"  # request heads, their corpus and reports, eval requests
