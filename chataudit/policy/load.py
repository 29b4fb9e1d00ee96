"""Find, read and validate a policy; errors name the file and the dotted key."""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from chataudit.errors import PolicyError
from chataudit.policy.schema import Policy
from chataudit.safefile import MiB, read_regular

POLICY_BYTES = 4 * MiB  # the bundled default is 9 KB; a policy is written by hand
MAX_DEPTH = 16  # the deepest key a policy uses is rules.S301.thresholds.0.1 (depth 5)


@dataclass(frozen=True, slots=True)
class LoadedPolicy:
    policy: Policy
    source: str  # shown in reports: the path as found, or "policies/default.toml" for the bundled one
    base_dir: Path  # relative paths inside the policy (roster, lexicons) resolve against this


def bundled_policies_dir() -> Path:
    """The bundled policies: inside the installed wheel, or at the top of a source checkout."""
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "_bundled" / "policies", package_dir.parent / "policies"):
        if (candidate / "default.toml").is_file():
            return candidate
    raise PolicyError("the bundled policies are missing from this installation", fix="reinstall chataudit")


def load_policy(explicit: Path | None = None, cwd: Path | None = None) -> LoadedPolicy:
    """``--policy FILE``, else ./chataudit.toml, else [tool.chataudit] in ./pyproject.toml,
    else the bundled default (SPEC §5)."""
    if explicit is not None:
        return _from_file(explicit, str(explicit))
    cwd = cwd or Path.cwd()
    local = cwd / "chataudit.toml"
    if os.path.lexists(local):  # a folder, pipe or dangling link by that name is an error, not "no policy"
        return _from_file(local, "chataudit.toml")
    pyproject = cwd / "pyproject.toml"
    if os.path.lexists(pyproject):
        tool = _read_toml(pyproject).get("tool")
        table = tool.get("chataudit") if isinstance(tool, dict) else None
        if table is not None:
            return LoadedPolicy(validate(table, "pyproject.toml [tool.chataudit]"), "pyproject.toml", cwd)
    return _from_file(bundled_policies_dir() / "default.toml", "policies/default.toml")


def _from_file(path: Path, shown: str) -> LoadedPolicy:
    return LoadedPolicy(validate(_read_toml(path), shown), shown, path.resolve().parent)


def _read_toml(path: Path) -> dict:
    """A regular file of at most POLICY_BYTES (never a device, pipe or folder), as TOML."""
    raw = read_regular(path, limit=POLICY_BYTES, what="policy file", error=PolicyError, fix="check the --policy path")
    try:
        return tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise PolicyError("not UTF-8 text", where=str(path), fix="save the policy as UTF-8 TOML") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"not valid TOML ({exc})", where=str(path),
                          fix="see the examples under policies/") from None
    except RecursionError:  # tomllib recurses once per level of [[[…]]] or {a={b=…}}
        raise PolicyError(f"arrays or tables nested too deeply (a policy needs at most {MAX_DEPTH} levels)",
                          where=str(path), fix="see the examples under policies/") from None


def validate(data: dict, where: str) -> Policy:
    if not isinstance(data, dict):
        raise PolicyError(f"expected a table of settings, got {type(data).__name__}", where=where,
                          fix="see the examples under policies/")
    check_values(data, where)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise policy_error(exc, where) from None


def check_values(data: object, where: str) -> None:
    """What no key of a policy may hold, whatever the key: nesting deeper than MAX_DEPTH, or a
    number that is not finite (``fine = inf`` would write Infinity into JSON and SARIF)."""
    stack: list[tuple[tuple, object]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            children = [(str(k), v) for k, v in value.items()]
        elif isinstance(value, list):
            children = list(enumerate(value))
        else:
            if isinstance(value, float) and not math.isfinite(value):
                raise PolicyError(f"{_dotted(path)}: expected a finite number, got {value}", where=where,
                                  fix="write a plain number such as 50 or 0.5")
            continue
        if len(path) >= MAX_DEPTH and children:
            raise PolicyError(f"{_dotted(path)}: nested too deeply (a policy needs at most {MAX_DEPTH} levels)",
                              where=where, fix="see the examples under policies/")
        stack.extend(((*path, key), child) for key, child in reversed(children))


def _dotted(path: tuple) -> str:
    return ".".join(str(part) for part in path) or "(top level)"


def policy_error(exc: ValidationError, where: str, prefix: tuple = ()) -> PolicyError:
    """One line for the first problem pydantic found, with its dotted key."""
    errors = exc.errors()
    first = errors[0]
    key = _dotted((*prefix, *first["loc"]))
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        msg = "unknown key"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return PolicyError(f"{key}: {msg}{more}", where=where, fix="fix the key or value; `chataudit policy show` prints every key with its default")
