"""Config errors that teach: a key in the wrong section names the section it belongs to, a
misspelt one the key meant, keys not indented below their section say so in one line, and an
unquoted `@daily` or cron expression (YAML syntax to the parser) says to quote it."""

from __future__ import annotations

import difflib
import re
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

MAPPING_ERRORS = {"model_type", "dict_type", "model_attributes_type"}


def compute_key_paths(model: type[BaseModel], prefix: str = "") -> dict[str, type[BaseModel] | None]:
    """Every key of the config, dotted, with the model of a section (None for a value)."""
    paths: dict[str, type[BaseModel] | None] = {}
    for name, field in model.model_fields.items():
        section = next((t for t in (field.annotation, *typing.get_args(field.annotation))
                        if isinstance(t, type) and issubclass(t, BaseModel)), None)
        paths[prefix + name] = section
        if section is not None:
            paths.update(compute_key_paths(section, f"{prefix}{name}."))
    return paths


def _unknown_key_text(paths: dict[str, Any], where: str, key: str) -> str:
    where = ".".join(p for p in where.split(".") if not p.isdigit())  # a list's entry: its section
    elsewhere = sorted(p for p in paths if p.rsplit(".", 1)[-1] == key and p.rpartition(".")[0] != where)
    if elsewhere:
        section = elsewhere[0].rpartition(".")[0] or "the top level"
        return f"unknown key here; {key} belongs under {section}: ({elsewhere[0]})"
    siblings = [p.rsplit(".", 1)[-1] for p in paths if p.rpartition(".")[0] == where]
    close = difflib.get_close_matches(key, siblings, n=1, cutoff=0.6)
    return f"unknown key; did you mean {close[0]!r}?" if close else "unknown key (check its spelling)"


def compute_error_lines(path: Path | str, error: ValidationError, model: type[BaseModel]) -> list[str]:
    """One line per problem, keys named with dots."""
    paths = compute_key_paths(model)
    items = error.errors()
    unindented: dict[str, list[str]] = {}  # a section that got nothing -> its keys found beside it
    for item in items:
        loc = ".".join(str(p) for p in item["loc"])
        if item["type"] in MAPPING_ERRORS and item.get("input") is None and paths.get(loc) is not None:
            unindented[loc] = []
    lines = []
    for item in items:
        parts = [str(p) for p in item["loc"]]
        key, where = ".".join(parts), ".".join(parts[:-1])
        msg = item["msg"].removeprefix("Value error, ")
        named = re.match(r"[a-z_]+(\.[a-z0-9_]+)+: ", msg)
        if not parts and named:  # a rule across keys names its key itself
            key, msg = named.group(0)[:-2], msg[named.end():]
        if item["type"] == "extra_forbidden":
            section = next((s for s in unindented if s.rpartition(".")[0] == where
                            and f"{s}.{parts[-1]}" in paths), None)
            if section is not None:
                unindented[section].append(parts[-1])
                continue
            msg = _unknown_key_text(paths, where, parts[-1])
        elif item["type"] == "missing":
            msg = "required key is missing"
        elif item["type"] in MAPPING_ERRORS:
            if key in unindented:
                continue
            msg = f"expected a mapping of keys indented below {parts[-1]}:, got {_kind(item.get('input'))}"
        lines.append(f"{path}: {key or '(top level)'}: {msg}")
    for section, keys in unindented.items():
        found = f" ({', '.join(keys)} are beside it, not below it)" if keys else ""
        lines.insert(0, f"{path}: {section}: its keys must be indented below {section.rsplit('.', 1)[-1]}:"
                        f"{found}")
    return lines


def _kind(value: Any) -> str:
    return {list: "a list", str: "text", int: "a number", float: "a number", bool: "true/false"}.get(
        type(value), "nothing" if value is None else type(value).__name__)


def compute_yaml_error_text(path: Path, text: str, exc: yaml.YAMLError) -> str:
    """A YAML syntax error at its line; a value starting with @ or * (YAML syntax: a schedule
    like @daily or */30 * * * *) says to quote it."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or str(exc)
    line = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
    key, sep, value = line.partition(":")
    value = value.split(" #")[0].strip()
    if sep and value[:1] in ("@", "*"):
        return (f"{path}: {key.strip()}: quote it: {key.strip()}: \"{value}\" (YAML reads a value starting "
                f"with {value[0]} as syntax; line {mark.line + 1 if mark else '?'})")
    return f"{path}: not valid YAML{where}: {problem}"
