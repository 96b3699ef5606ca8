"""The data flows one way: bot → generation → models. Imports must agree.

bot/ uses only the public face of generation (the package itself and its __all__).
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
