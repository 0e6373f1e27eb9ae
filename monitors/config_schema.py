"""The model config's JSON Schema (`monitors schema`), from the pydantic models: every key, its
type, default and description written once, in config.py. Editors complete and check a model's
YAML with it (`# yaml-language-server: $schema=...`); a misspelt key is an additional property
the schema refuses, as the loader does."""

from __future__ import annotations

import json
from typing import Any

from monitors.config import ModelConfig

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def compute_config_schema() -> dict[str, Any]:
    schema = ModelConfig.model_json_schema()
    return {"$schema": SCHEMA_DIALECT, **schema, "title": "monitors model config",
            "description": "One monitored model: its tables, rules and schedule (one YAML file per model)."}


def compute_config_schema_text() -> str:
    return json.dumps(compute_config_schema(), indent=2, sort_keys=False) + "\n"
