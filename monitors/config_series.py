"""A config's series: the primary schedule's (the config itself), then one config per
granularity, which every layer runs like a model of its own (named `<model>@<name>`)."""

from __future__ import annotations

from typing import TypeVar

from monitors.config import ModelConfig
from monitors.core.errors import ConfigError
from monitors.core.granularity import PRESET_NAMES, Granularity, compute_series_key, compute_window_hours
from monitors.core.settings import Seasonal

S = TypeVar("S", bound=Seasonal)


def compute_series_configs(config: ModelConfig, name: str | None = None) -> list[ModelConfig]:
    """The config (the primary series), then one per granularity; `name`: only that series
    (ConfigError naming it when the config has none of that name)."""
    found = [config, *(compute_granularity_config(config, g) for g in config.granularities)]
    if name is None:
        return found
    if name not in config.granularity_names:
        choices = ", ".join(config.granularity_names) or "none: the config has one schedule"
        raise ConfigError(f"model {config.model}: --granularity: no granularity {name!r}; choose from "
                          f"{choices}")
    return [c for c in found if (c.granularity or PRESET_NAMES.get(c.schedule)) == name]


def compute_granularity_config(config: ModelConfig, granularity: Granularity) -> ModelConfig:
    """The granularity's config: the model named `<model>@<name>`, its schedule, and a season its
    windows cannot have (volume's or a series rule's, named for the primary schedule) replaced by
    `auto` (the season the granularity can have, once its history shows it)."""
    hours = compute_window_hours(granularity.schedule, config.timezone)

    def fitted(rule: S) -> S:
        try:
            rule.check_season(granularity.schedule, hours)
        except ValueError:
            return rule.model_copy(update={"seasonality": "auto"})
        return rule

    return config.model_copy(update={
        "model": compute_series_key(config.model, granularity.label), "schedule": granularity.schedule,
        "granularities": [], "volume": fitted(config.volume), "series": [fitted(r) for r in config.series]})
