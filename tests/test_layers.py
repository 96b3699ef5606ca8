"""The data flows one way: bot → generation → models. Imports must agree.

Inside generation/ the stages are rooms that do not know each other: request/ (text →
Request), music/ (Request → Spec → MIDI) and audio/ (MIDI → MP3, PNG) import only the values
every stage shares (job, vocab, settings, paths) and models/. The composer wires the stages;
the conversation reads lines (request/) and hands jobs to a composer it is given; tools/
(offline) may use anything. bot/ uses only the package's public face, except its offline
commands (bot/offline.py), which run the tools directly.

Inside models/, what runs in every compose (core/: shared values; inference/: numpy) never
reaches the offline side (networks/: torch; training/; evaluation/). generation/ (but its
offline tools/) takes the model's names from models.inference and the error tree from
models.core.errors.

Inside a package no modules import each other in a circle, counting imports inside functions
and under TYPE_CHECKING. The bot's handlers reach the client through a Protocol
(bot/handlers/host.py): only the entry points import the client's module.
"""

import ast
import inspect
import json
import subprocess
import sys
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
    "notation": {"music"},  # writes the score of a Spec's arrangement over its Plan
    "composer": {"request", "music", "audio", "notation"},
    "differences": set(),  # what one version changed from another (the conversation says it)
    "conversation": {"request", "differences"},
    "tools": {"request", "music", "audio", "notation", "composer", "conversation",
              "differences"},
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


def modules_of(package: str) -> dict[str, Path]:
    """Dotted name → file of every module of `package` (a package by its own name)."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def resolved_imports(name: str, path: Path, known) -> set[str]:
    """The modules `name` (at `path`) imports, at any depth (functions, TYPE_CHECKING
    blocks), relative imports resolved: `from a.b import c` names a.b.c if that is a
    module, else a.b."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in known else base)
    return found - {name}


def module_graph(package: str) -> dict[str, set[str]]:
    """Module → the modules of `package` it imports (every import statement at any depth)."""
    modules = modules_of(package)
    return {name: resolved_imports(name, path, modules) & set(modules)
            for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles of `graph`, one path each, found by depth-first search."""
    found, done = [], set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            found.append(path[path.index(module):] + [module])
            return
        if module in done:
            return
        for target in sorted(graph[module]):
            visit(target, path + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
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


@pytest.mark.parametrize("package", ["bot", "generation", "models"])
def test_no_modules_import_each_other_in_a_circle(package):
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    graph = module_graph(package)
    assert len(graph) > 5, f"{package}/ has no modules to check"
    assert sum(map(len, graph.values())) > 5, f"no imports found among {package}/ modules"
    circles = [" → ".join(circle) for circle in cycles(graph)]
    assert not circles, circles


def test_only_the_entry_points_import_the_bot_client():
    app = "bot.handlers.app"
    entry_points = {"bot.cli", "bot.run_bot"}
    graph = module_graph("bot")
    assert app in graph, f"{app} moved: update this rule"
    offenders = sorted(name for name, targets in graph.items()
                       if app in targets and name not in entry_points)
    assert not offenders, f"{offenders} import {app}: use bot.handlers.host.Host"


def test_the_bot_client_is_the_host_its_handlers_take(tmp_path):
    from bot.handlers.app import TunesmithBot
    from bot.handlers.host import Host
    from bot.settings import BotSettings

    client = TunesmithBot(BotSettings(), runner=None, out_dir=tmp_path)
    assert isinstance(client, Host)
    methods = [name for name, member in vars(Host).items()
               if inspect.iscoroutinefunction(member)]
    assert len(methods) >= 6
    differ = [name for name in methods if inspect.signature(getattr(TunesmithBot, name))
              != inspect.signature(getattr(Host, name))]
    assert not differ, f"TunesmithBot's {differ} do not take what Host promises"


def test_the_bot_uses_only_the_public_face_of_generation():
    offenders = []
    paths = sorted((ROOT / "bot").rglob("*.py"))
    assert len(paths) > 5, "bot/ has no modules to check"
    for path in paths:
        for module, names in imports(path):
            if module.split(".")[0] != "generation":
                continue
            offline_tool = (module + ".").startswith("generation.tools.")
            if offline_tool and path == ROOT / "bot" / "offline.py":
                continue  # the offline commands (eval, bench, train) run the tools themselves
            if module != "generation" or not names:
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
            offenders += [f"{path.relative_to(ROOT)} imports generation.{name}, not in __all__"
                          for name in names if name not in generation.__all__]
    assert not offenders, offenders


def test_the_public_face_exports_nothing_offline():
    offline = sorted(name for name in generation.__all__ if getattr(
        getattr(generation, name), "__module__", "").startswith("generation.tools"))
    assert not offline, f"{offline}: the offline commands import generation.tools themselves"


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


@pytest.mark.parametrize("module", ["cli.py", "offline.py"])
def test_the_cli_imports_nothing_heavy_at_start(module):
    heavy = {"torch", "transformers", "music21", "discord", "matplotlib"}
    top_level = set()
    tree = ast.parse((ROOT / "bot" / module).read_text(encoding="utf-8"))
    for node in tree.body:  # module level only: handlers import lazily
        if isinstance(node, ast.Import):
            top_level.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            top_level.add(node.module.split(".")[0])
    assert not top_level & heavy


# --- models/: what runs where -------------------------------------------------------------

# The numpy side, which every compose runs: the sub-packages each may import.
NUMPY_SIDE = {"core": {"core"}, "inference": {"core", "inference"}}
# The one way from the numpy side to torch: a checkpoint that is not the shipped Transformer
# on the CPU (a GPU, or an LSTM/GRU baseline) is run by torch.
TORCH_PATH = {("models.inference.decoder", "models.networks.torch_decoder")}
OFFLINE = ("torch", "models.networks", "models.training", "models.evaluation")


def test_the_numpy_side_of_models_never_imports_torch_training_or_evaluation():
    modules = modules_of("models")
    offenders, checked = [], 0
    for name, path in modules.items():
        side = name.split(".")[1] if "." in name else None
        if side not in NUMPY_SIDE:
            continue
        checked += 1
        for imported in resolved_imports(name, path, modules):
            top = imported.split(".")
            if imported.startswith(OFFLINE) and (name, imported) not in TORCH_PATH:
                offenders.append(f"{name} imports {imported}")
            elif top[0] == "models" and len(top) > 1 and top[1] not in NUMPY_SIDE[side] \
                    and (name, imported) not in TORCH_PATH:
                offenders.append(f"{name} ({side}) imports {imported}")
    assert checked > 10, "no numpy-side module to check"
    assert not offenders, offenders


def test_generation_takes_the_model_from_its_public_face():
    import models.inference

    allowed = {"models.inference", "models.core.errors"}
    offenders = []
    for name, path in generation_modules():
        if room(name) == "tools":  # offline: benchmarks and reports may use anything
            continue
        for module, names in imports(path):
            if module.split(".")[0] == "models" and module not in allowed:
                offenders.append(f"{name} imports {module}")
            elif module == "models.inference":
                offenders += [f"{name} imports models.inference.{n}, not in __all__"
                              for n in names if n not in models.inference.__all__]
    assert not offenders, offenders
    assert all(hasattr(models.inference, n) for n in models.inference.__all__)


@pytest.mark.slow
def test_a_compose_imports_nothing_from_the_training_or_evaluation_side(tmp_path):
    code = ("import json, sys\n"
            "from bot.cli import main\n"
            "main(['compose', 'calm piano in D minor', '--seed', '7', '--out', sys.argv[1]])\n"
            "print(json.dumps(sorted(m for m in sys.modules\n"
            "                        if m.split('.')[0] in ('torch', 'models'))))\n")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, timeout=300, check=True, cwd=ROOT)
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert list(tmp_path.glob("*.mid")), "no piece was composed"
    assert "models.inference.sampler" in loaded  # the melody came from the model
    offline = [m for m in loaded if m.startswith(OFFLINE)]
    assert not offline, offline
