"""The README's configuration table names every setting the services read, and only those."""

from __future__ import annotations

import re
from pathlib import Path

from tests.docker.deploy_files import SETTINGS_MODULES, settings_environment_names

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("aftersales", "api", "actions", "bot")
#: Names the settings read besides their prefixed one, each documented on its main row.
ALIASES = frozenset({"TELEGRAM_BOT_TOKEN"})


def configuration_table() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", section, re.MULTILINE))


def test_every_setting_is_in_the_readme_and_nothing_else() -> None:
    read = settings_environment_names() - ALIASES
    documented = configuration_table()
    assert sorted(read - documented) == [], "settings missing from the README table"
    assert sorted(documented - read) == [], "README rows no settings class reads"


def test_every_settings_class_is_collected() -> None:
    defining = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if re.search(r"^class \w+\(BaseSettings\):", path.read_text("utf-8"), re.MULTILINE)
    }
    assert defining == set(SETTINGS_MODULES)
