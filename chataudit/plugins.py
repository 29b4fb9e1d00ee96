"""Entry-point registries: built-in formats, rules and reporters register exactly as
third-party plugins do, in the groups ``chataudit.formats``, ``chataudit.rules`` and
``chataudit.reporters`` (see pyproject.toml)."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from chataudit.errors import UsageError


@cache
def load_group(group: str) -> dict[str, type]:
    """Name → plugin class for one entry-point group, sorted by name for stable output."""
    found: dict[str, type] = {}
    for ep in entry_points(group=group):
        try:
            found[ep.name] = ep.load()
        except Exception as exc:  # a broken third-party plugin must not hide the others
            raise UsageError(
                f"plugin {ep.name!r} ({ep.value}) failed to load: {exc}",
                where=f"entry-point group {group}",
                fix="reinstall or uninstall the package that provides it",
            ) from exc
    if not found:
        raise UsageError(
            f"no plugins registered in {group}",
            fix="install chataudit with pip (entry points come from the installed metadata)",
        )
    return dict(sorted(found.items()))
