"""Find, read and validate a policy; errors name the file and the dotted key."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from chataudit.errors import PolicyError
from chataudit.policy.schema import Policy


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
    if local.is_file():
        return _from_file(local, "chataudit.toml")
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get("chataudit")
        if table is not None:
            return LoadedPolicy(validate(table, "pyproject.toml [tool.chataudit]"), "pyproject.toml", cwd)
    return _from_file(bundled_policies_dir() / "default.toml", "policies/default.toml")


def _from_file(path: Path, shown: str) -> LoadedPolicy:
    return LoadedPolicy(validate(_read_toml(path), shown), shown, path.resolve().parent)


def _read_toml(path: Path) -> dict:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PolicyError("policy file not found", where=str(path), fix="check the --policy path") from None
    except OSError as exc:
        raise PolicyError(f"cannot read policy file ({exc.strerror})", where=str(path)) from None
    try:
        return tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise PolicyError("not UTF-8 text", where=str(path), fix="save the policy as UTF-8 TOML") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"not valid TOML ({exc})", where=str(path),
                          fix="see the examples under policies/") from None


def validate(data: dict, where: str) -> Policy:
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise policy_error(exc, where) from None


def policy_error(exc: ValidationError, where: str, prefix: tuple = ()) -> PolicyError:
    """One line for the first problem pydantic found, with its dotted key."""
    errors = exc.errors()
    first = errors[0]
    key = ".".join(str(part) for part in (*prefix, *first["loc"]))
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        msg = "unknown key"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return PolicyError(f"{key}: {msg}{more}", where=where, fix="fix the key or value; `chataudit policy show` prints every key with its default")
