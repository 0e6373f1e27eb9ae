"""One capability record per SQL dialect the measurement runs on, as data (the way dlt declares
a destination's capabilities and SQLMesh an engine adapter's): the SQL builders, the engine
factory, GX and the Airflow connection mapping read it; nothing else asks which dialect it is.
An engine with no record is refused when the config is loaded, naming the dialect.

Pure data: importing this module imports no driver and no SQLAlchemy (config.py reads it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

NUMERIC_NAMES_DEFAULT = ("Integer", "Numeric", "Float", "INTEGER", "BIGINT", "SMALLINT", "DOUBLE",
                         "FLOAT", "REAL", "DECIMAL", "NUMERIC")
TEXT_NAMES_DEFAULT = ("String", "VARCHAR", "TEXT", "CHAR")


@dataclass(frozen=True)
class Dialect:
    name: str  # SQLAlchemy's backend name (the URL scheme before '+')
    tested: bool  # run by the test suite here; else declared (compiled, not run)
    nan_equals_nan: bool = True  # x = 'NaN' finds NaN (the MISSING slot relies on it)
    multi_argument_grouping: bool = True  # GROUPING(a, b, ...) gives one bitmask
    md5: str = "md5"  # a function from text to a hex digest, for seeded samples
    embedded_file: bool = False  # a file opened in-process: relative paths, memory limit
    gx_persisted_connection: bool = False  # GX must keep one connection (lazy cursors)
    # GX's type check: the names standing for a numeric / text column. Case-insensitive
    # dialects compare the compiled type name; the rest resolve names on the type module.
    gx_numeric_types: tuple[str, ...] = NUMERIC_NAMES_DEFAULT
    gx_text_types: tuple[str, ...] = TEXT_NAMES_DEFAULT
    airflow_conn_types: tuple[str, ...] = ()  # Airflow connection types using this dialect
    airflow_driver: str = ""  # the SQLAlchemy scheme an Airflow connection maps to
    notes: dict[str, str] = field(default_factory=dict)


DIALECTS: dict[str, Dialect] = {d.name: d for d in (
    Dialect("duckdb", tested=True, embedded_file=True, gx_persisted_connection=True,
            airflow_conn_types=("duckdb",), airflow_driver="duckdb"),
    Dialect("postgresql", tested=True,
            gx_numeric_types=("SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE PRECISION", "FLOAT",
                              "NUMERIC", "DECIMAL"),
            gx_text_types=("TEXT", "VARCHAR", "CHAR"),
            airflow_conn_types=("postgres", "postgresql"), airflow_driver="postgresql+psycopg2"),
)}
WHY_NOT = {
    "mysql": "it has no GROUPING SETS", "mariadb": "it has no GROUPING SETS",
    "sqlite": "it has no GROUPING SETS", "mssql": "its GROUPING takes one argument",
}


def compute_backend(url: str) -> str:
    """The backend name of a SQLAlchemy URL: postgresql+psycopg2://... -> postgresql."""
    scheme, sep, _ = url.partition("://")
    if not sep or not scheme:
        raise ValueError(f"{url!r} is not a SQLAlchemy URL (dialect+driver://...)")
    return scheme.split("+", 1)[0].lower()


def compute_dialect(backend: str) -> Dialect:
    """The record of a backend; ValueError naming it and the supported ones if there is none."""
    found = DIALECTS.get(backend)
    if found is None:
        reason = f" ({WHY_NOT[backend]})" if backend in WHY_NOT else ""
        raise ValueError(f"dialect {backend!r} is not supported{reason}; supported: "
                         f"{', '.join(sorted(DIALECTS))}")
    return found
