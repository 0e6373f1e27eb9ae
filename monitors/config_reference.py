"""The config reference (`monitors schema --markdown`, committed as docs/reference/config.md):
every key of the model YAML with its type, default and description, read from the pydantic
models (each description is written once, as the field's `Field(description=...)`)."""

from __future__ import annotations

import types
import typing
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from monitors.config import ModelConfig

HEADER = """# Config reference

<!-- Generated from the pydantic models in monitors/ by `monitors schema --markdown`; do not edit:
change a field's description in the code and regenerate this file
(`.venv/bin/monitors schema --markdown > docs/reference/config.md`; a test checks it). -->

Every key of a model's YAML file, by section. A key without a default is required when its
section is given. Durations are written `45s`, `30m`, `6h`, `14d` or `2w`. The same keys, as a
JSON Schema for editors: `monitors schema` (`docs/model-config.schema.json`).
"""


def yaml_type(annotation: Any) -> str:
    """A field's type as a reader of YAML sees it."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return yaml_type(args[0])
    if origin in (typing.Union, types.UnionType):
        return " or ".join(yaml_type(a) for a in args if a is not type(None))
    if origin is typing.Literal:
        return ", ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"list of {yaml_type(args[0])}"
    if origin is dict:
        return f"mapping of {yaml_type(args[0])} to {yaml_type(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "section"
    names = {str: "text", int: "integer", float: "number", bool: "boolean", timedelta: "duration",
             date: "date", datetime: "time", Any: "any"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def default_text(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "its keys' defaults"
    if value is None or value == [] or value == {}:
        return "none" if value is None else "empty"
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if seconds % size == 0:
                return f"`{seconds // size}{unit}`"
        return f"`{seconds}s`"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        value = str(value).lower()
    return f"`{value}`"


def _section_model(annotation: Any) -> type[BaseModel] | None:
    """The model a field's section (or list of sections) holds, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for candidate in typing.get_args(annotation):
        found = _section_model(candidate)
        if found:
            return found
    return None


def config_sections(model: type[BaseModel], prefix: str = "") -> list[tuple[str, type[BaseModel]]]:
    """(dotted key, model) of the top level and every nested section, depth first."""
    found = [(prefix, model)]
    for name, field in model.model_fields.items():
        inner = _section_model(field.annotation)
        if inner is not None:
            listed = typing.get_origin(field.annotation) is list
            found += config_sections(inner, f"{prefix}{name}{'[]' if listed else ''}.")
    return found


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def section_lines(key: str, model: type[BaseModel]) -> list[str]:
    title = key.rstrip(".") or "Top level"
    anchor = title.replace("[]", "").replace(".", "-").replace(" ", "-").lower()
    lines = [f"## {title} {{#{anchor}}}", ""]
    doc = (model.__doc__ or "").strip() if model.__doc__ != BaseModel.__doc__ and key else ""
    if doc:
        lines += [" ".join(doc.split()), ""]
    lines += ["| key | type | default | description |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        lines.append(f"| `{key}{name}` | {_cell(yaml_type(field.annotation))} | "
                     f"{_cell(default_text(field))} | {_cell(field.description or '')} |")
    return [*lines, ""]


def compute_config_reference_text() -> str:
    lines = [HEADER]
    for key, model in config_sections(ModelConfig):
        lines += section_lines(key, model)
    return "\n".join(lines).rstrip("\n") + "\n"


def compute_undescribed_keys() -> list[str]:
    """Keys whose field has no description (the reference would show an empty cell)."""
    return [f"{key}{name}" for key, model in config_sections(ModelConfig)
            for name, field in model.model_fields.items() if not (field.description or "").strip()]
