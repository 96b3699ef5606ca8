"""The data flows one way: bot → generation → models. Imports must agree.

Inside generation/ the stages are rooms that do not know each other: request/ (text →
Request), music/ (Request → Spec → MIDI) and audio/ (MIDI → MP3, PNG) import only the values
every stage shares (job, vocab, settings, paths) and models/. The composer wires the stages;
the conversation reads lines (request/) and hands jobs to a composer it is given; tools/
(offline) may use anything. bot/ uses only the package's public face.
"""

import ast
from pathlib import Path

import pytest

import generation

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "models": ("generation", "bot", "discord", "asyncio"),
    "generation": ("bot", "discord", "asyncio", "aiohttp"),
}
SHARED = {"job", "vocab", "chords", "settings", "paths"}  # top-level values every room may import
MAY_IMPORT = {  # room → the other rooms it may import (besides SHARED and models/)
    "shared": set(),
    "request": set(),
    "music": set(),
    "audio": set(),
    "composer": {"request", "music", "audio"},
    "conversation": {"request"},
    "tools": {"request", "music", "audio", "composer", "conversation"},
}


def imports(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """Every import in a file, at any depth: (module, names taken from it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, tuple(alias.name for alias in node.names)))
    return found


def imported_modules(path: Path) -> set[str]:
    return {module for module, _ in imports(path)}


def room(module: str) -> str:
    """The stage a generation module belongs to: 'generation.music.spec' → 'music'."""
    first = module.split(".")[1]
    return "shared" if first in SHARED else first


def generation_modules() -> list[tuple[str, Path]]:
    paths = sorted((ROOT / "generation").rglob("*.py"))
    return [(".".join(p.relative_to(ROOT).with_suffix("").parts), p) for p in paths
            if p.name != "__init__.py" or p.parent.name != "generation"]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_never_import_upwards(package):
    offenders = []
    paths = sorted((ROOT / package).rglob("*.py"))  # subpackages too
    assert len(paths) > 5, f"{package}/ has no modules to check"
    for path in paths:
        for name in imported_modules(path):
            if name.split(".")[0] in FORBIDDEN[package]:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders


def test_the_bot_uses_only_the_public_face_of_generation():
    offenders = []
    paths = sorted((ROOT / "bot").rglob("*.py"))
    assert len(paths) > 5, "bot/ has no modules to check"
    for path in paths:
        for module, names in imports(path):
            if module.split(".")[0] != "generation":
                continue
            if module != "generation" or not names:
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
            offenders += [f"{path.relative_to(ROOT)} imports generation.{name}, not in __all__"
                          for name in names if name not in generation.__all__]
    assert not offenders, offenders


def test_every_public_name_resolves():
    missing = [name for name in generation.__all__ if not hasattr(generation, name)]
    assert not missing, missing


def test_the_stages_of_generation_do_not_import_each_other():
    offenders = []
    modules = generation_modules()
    assert {room(name) for name, _ in modules} == set(MAY_IMPORT), "a module without a room"
    for name, path in modules:
        here = room(name)
        for module, _ in imports(path):
            if module == "generation":
                offenders.append(f"{name} imports the public face (import the module itself)")
            elif module.startswith("generation."):
                there = room(module)
                if there not in (here, "shared") and there not in MAY_IMPORT[here]:
                    offenders.append(f"{name} ({here}) imports {module} ({there})")
    assert not offenders, offenders


def test_the_cli_imports_nothing_heavy_at_start():
    heavy = {"torch", "transformers", "music21", "discord", "matplotlib"}
    top_level = set()
    tree = ast.parse((ROOT / "bot" / "cli.py").read_text(encoding="utf-8"))
    for node in tree.body:  # module level only: handlers import lazily
        if isinstance(node, ast.Import):
            top_level.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            top_level.add(node.module.split(".")[0])
    assert not top_level & heavy
