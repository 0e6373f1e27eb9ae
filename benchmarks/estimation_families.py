"""Data families for benchmarks/estimation_vs_nannyml.py: a model's predictions and labels put on
make_tables' features (income, debt_ratio, age, region, product), in kinds that differ, so an
estimator tuned to one family is seen on others. Each family fills training_data and
predictions' score (regression) or p_low/p_mid/p_high (multiclass), and the label `defaulted`
(of training_data, and of outcomes by prediction_id); from the middle day make_tables shifts
income and debt_ratio, and each family moves its windows further where its errors grow.

Regression: additive (make_regression_tables: normal noise growing with debt_ratio and in
LATAM); multiplicative (a log-normal, price-like label with region and product effects, the
model predicting its median, the noise's log-spread growing for mortgages and with debt_ratio);
heavy (Student's t noise with 3 degrees of freedom and an interaction the model, a least-squares
line, misses). Multiclass: softmax (make_multiclass_tables: calibrated); overconfident (the
model's logits 1.8 times the labels'); interaction (the labels' logits carry a region x age
term the model lacks). Binary (score, the probability of 1, and predicted_label, score >= 0.5):
calibrated (a logistic model, the labels drawn from its probabilities); overconfident (the
model's logit 1.8 times the labels', and 0.4 higher: miscalibrated and biased); interaction (the
labels' logit carries a debt_ratio x age and a LATAM x age term the model lacks, the later
windows holding more of both); rare (a calibrated model of a rare positive class: 6% of the
baseline, 8% of the windows).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from monitors.testing import CLASSES, make_multiclass_tables, make_regression_tables, make_tables, set_labels

REGION = {"EU": 0.0, "NA": 0.25, "APAC": -0.3, "LATAM": 0.5}
PRODUCT = {"card": -0.4, "loan": 0.0, "mortgage": 0.9}
NAMES = ("training_data", "predictions")


def _base(seed: int, days: int, rows: int) -> tuple[dict[str, pd.DataFrame], np.random.Generator]:
    tables = make_tables(seed=seed, days=days, rows_per_day=rows, training_rows=20_000,
                         drift_from_day=days // 2)
    later = tables["predictions"]["predicted_at"] >= tables["predictions"]["predicted_at"].min() \
        + pd.Timedelta(days=days // 2)
    rng = np.random.default_rng([seed, 7])
    frame = tables["predictions"]  # the later windows: more mortgages and LATAM rows
    frame.loc[later & (rng.random(len(frame)) < 0.3), "product"] = "mortgage"
    frame.loc[later & (rng.random(len(frame)) < 0.3), "region"] = "LATAM"
    for name in NAMES:
        tables[name] = tables[name].drop(columns=["score", "predicted_label"], errors="ignore")
    return tables, rng


def _effects(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    income = (frame["income"].to_numpy(float) - 50_000) / 20_000
    debt = (frame["debt_ratio"].to_numpy(float) - 0.33) / 0.1
    age = (frame["age"].to_numpy(float) - 48) / 18
    return income, debt, age, frame["region"].map(REGION).to_numpy(float), \
        frame["product"].map(PRODUCT).to_numpy(float)


def regression_additive(seed: int, days: int, rows: int) -> dict[str, pd.DataFrame]:
    return make_regression_tables(seed=seed, days=days, rows_per_day=rows,
                                  shift_from_day=days // 2, training_rows=20_000)


def regression_multiplicative(seed: int, days: int, rows: int) -> dict[str, pd.DataFrame]:
    tables, rng = _base(seed, days, rows)
    for name in NAMES:
        frame = tables[name]
        income, debt, _, region, product = _effects(frame)
        log_median = 12 + 0.4 * income + 0.1 * debt + region + product
        sigma = 0.12 + 0.2 * (frame["product"] == "mortgage").to_numpy() + 0.05 * np.clip(debt, 0, None)
        frame["score"] = np.exp(log_median)
        set_labels(tables, name, np.exp(log_median + sigma * rng.normal(0, 1, len(frame))))
    return tables


def regression_heavy(seed: int, days: int, rows: int) -> dict[str, pd.DataFrame]:
    tables, rng = _base(seed, days, rows)
    truths = {}
    for name in NAMES:
        income, debt, age, region, product = _effects(tables[name])
        mean = 5_000 + 800 * income + 600 * debt + 400 * debt * age + 900 * region * (age < 0) + 500 * product
        spread = 300 * (1 + 0.8 * np.abs(region) + 0.3 * np.clip(debt, 0, None))
        truths[name] = (mean + spread * rng.standard_t(3, len(mean)), np.column_stack(
            [np.ones(len(mean)), income, debt, age, region, product]))
    y, x = truths["training_data"]
    coef = np.linalg.lstsq(x, y, rcond=None)[0]  # the model: a line, no interaction
    for name in NAMES:
        y, x = truths[name]
        tables[name]["score"] = x @ coef
        set_labels(tables, name, y)
    return tables


def _classes(tables: dict[str, pd.DataFrame], rng: np.random.Generator,
             logits: Callable[[pd.DataFrame], tuple[np.ndarray, np.ndarray]]) -> dict[str, pd.DataFrame]:
    """The model's probabilities and labels drawn from the true ones, from (model, true) logits."""
    for name in NAMES:
        frame = tables[name]
        model, true = (np.exp(z - z.max(axis=1, keepdims=True)) for z in logits(frame))
        model, true = model / model.sum(axis=1, keepdims=True), true / true.sum(axis=1, keepdims=True)
        for k, cls in enumerate(CLASSES):
            frame[f"p_{cls}"] = model[:, k]
        drawn = (rng.random(len(frame))[:, None] > np.cumsum(true, axis=1)).sum(axis=1)
        set_labels(tables, name, np.array(CLASSES)[np.minimum(drawn, 2)])
    return tables


def multiclass_softmax(seed: int, days: int, rows: int) -> dict[str, pd.DataFrame]:
    return make_multiclass_tables(seed=seed, days=days, rows_per_day=rows, drift_from_day=days // 2,
                                  training_rows=20_000)


def multiclass_overconfident(seed: int, days: int, rows: int) -> dict[str, pd.DataFrame]:
    tables, rng = _base(seed, days, rows)

    def logits(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        income, debt, _, region, product = _effects(frame)
        z = np.column_stack([-income, 0.3 * product, debt + region])
        return 1.8 * z, z

    return _classes(tables, rng, logits)


def multiclass_interaction(seed: int, days: int, rows: int) -> dict[str, pd.DataFrame]:
    tables, rng = _base(seed, days, rows)

    def logits(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        income, debt, age, region, product = _effects(frame)
        z = np.column_stack([-income, 0.3 * product, debt])
        return 1.5 * z, 1.5 * z + np.column_stack([np.zeros(len(z)), 2 * region * age, np.zeros(len(z))])

    return _classes(tables, rng, logits)


def _binary(tables: dict[str, pd.DataFrame], rng: np.random.Generator,
            logits: Callable[[pd.DataFrame], tuple[np.ndarray, np.ndarray]]) -> dict[str, pd.DataFrame]:
    """The model's score (probability of 1) and predicted_label, and labels 0/1 drawn from the
    true probability, from (model, true) logits."""
    for name in NAMES:
        frame = tables[name]
        model, true = logits(frame)
        frame["score"] = 1 / (1 + np.exp(-model))
        frame["predicted_label"] = (frame["score"] >= 0.5).astype("int64")
        set_labels(tables, name, (rng.random(len(frame)) < 1 / (1 + np.exp(-true))).astype("int64"))
    return tables


def _binary_logit(frame: pd.DataFrame) -> np.ndarray:
    income, debt, _, region, product = _effects(frame)
    return -0.8 - 0.9 * income + 0.8 * debt + region + 0.6 * product


def binary_calibrated(seed: int, days: int, rows: int) -> dict[str, pd.DataFrame]:
    tables, rng = _base(seed, days, rows)
    return _binary(tables, rng, lambda frame: (_binary_logit(frame), _binary_logit(frame)))


def binary_overconfident(seed: int, days: int, rows: int) -> dict[str, pd.DataFrame]:
    tables, rng = _base(seed, days, rows)
    return _binary(tables, rng, lambda frame: (1.8 * _binary_logit(frame) + 0.4, _binary_logit(frame)))


def binary_interaction(seed: int, days: int, rows: int) -> dict[str, pd.DataFrame]:
    tables, rng = _base(seed, days, rows)

    def logits(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        _, debt, age, _, _ = _effects(frame)
        z = _binary_logit(frame)
        return z, z + 0.6 * debt * age + 1.2 * (frame["region"] == "LATAM").to_numpy() * age

    return _binary(tables, rng, logits)


def binary_rare(seed: int, days: int, rows: int) -> dict[str, pd.DataFrame]:
    tables, rng = _base(seed, days, rows)
    return _binary(tables, rng, lambda frame: (_binary_logit(frame) - 3.0, _binary_logit(frame) - 3.0))


REGRESSION = {"additive": regression_additive, "multiplicative": regression_multiplicative,
              "heavy": regression_heavy}
MULTICLASS = {"softmax": multiclass_softmax, "overconfident": multiclass_overconfident,
              "interaction": multiclass_interaction}
BINARY = {"binary_calibrated": binary_calibrated, "binary_overconfident": binary_overconfident,
          "binary_interaction": binary_interaction, "binary_rare": binary_rare}
