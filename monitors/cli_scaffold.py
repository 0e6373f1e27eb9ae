"""The commands that write a model's starting files: `monitors init` (a config guessed from its
tables), `monitors schema` (the config's JSON Schema) and `monitors expectations init` (its GX
suite, profiled from the baseline)."""

from __future__ import annotations

import argparse
import sys

from monitors.config import ModelConfig, load_monitors_home
from monitors.core.errors import MonitorsError


def run_scaffold_command(args: argparse.Namespace) -> int:
    """`init` or `schema`: the text on stdout."""
    if args.command == "schema":
        from monitors.config_reference import compute_config_reference_text
        from monitors.config_schema import compute_config_schema_text

        sys.stdout.write(compute_config_reference_text() if args.markdown else compute_config_schema_text())
        return 0
    from monitors.run.scaffold import run_init

    sys.stdout.write(run_init(args.model, args.warehouse, args.predictions, args.ground_truth, args.baseline,
                              load_monitors_home()))
    return 0


def run_expectations_init(config: ModelConfig, force: bool) -> int:
    from monitors.run.suite import write_profiled_suite

    path = config.suite_path
    if path is None:
        raise MonitorsError(f"model {config.model}: the config has no checks.suite to write")
    if path.exists() and not force:
        raise MonitorsError(f"model {config.model}: suite {path} exists; use --force to replace it")
    suite = write_profiled_suite(config, path)
    print(f"wrote {len(suite['expectations'])} expectations to {path}")
    return 0
