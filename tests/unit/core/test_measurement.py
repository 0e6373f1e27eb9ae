"""Numbers for people: large ones in full with thousands separators, never 6.857e+04."""

from __future__ import annotations

import pytest

from monitors.core.measurement import compute_number_text


@pytest.mark.parametrize(("value", "text"), [
    (68570.3, "68,570"), (-12345.6, "-12,346"), (3440.0, "3440"), (0.41234, "0.4123"),
    (float("inf"), "inf"), (float("-inf"), "-inf"), (1e-5, "1e-05"),
])
def test_numbers_read_without_exponents_when_large(value: float, text: str) -> None:
    assert compute_number_text(value) == text
