"""The lock files hold exactly the versions the requirements pin, so `make lock` was run after a pin changed."""

import re
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.M)


def _pins(path: Path) -> dict[str, str]:
    normalise = lambda name: re.sub(r"[-_.]+", "-", name).lower()  # noqa: E731  (PEP 503)
    return {normalise(name): version for name, version in PIN.findall(path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize(
    ("requirements", "lock"),
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_every_pin_is_locked_at_its_version_with_hashes(requirements, lock):
    pinned, locked = _pins(REPOSITORY / requirements), _pins(REPOSITORY / lock)
    assert pinned, requirements
    assert {name: locked.get(name) for name in pinned} == pinned, f"run `make lock`: {lock} is behind {requirements}"
    lines = (REPOSITORY / lock).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if PIN.match(line):
            assert lines[number + 1].lstrip().startswith("--hash=sha256:"), f"{lock}: {line} has no hash"
