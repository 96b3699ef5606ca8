"""The data flows one way: bot → generation → models. Imports must agree."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "models": ("generation", "bot", "discord", "asyncio"),
    "generation": ("bot", "discord", "asyncio", "aiohttp"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


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
