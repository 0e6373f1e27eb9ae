"""One capability record per SQL dialect the measurement runs on, as data (the way dlt declares
a destination's capabilities and SQLMesh an engine adapter's): the SQL builders, the engine
factory, GX and the Airflow connection mapping read it; nothing else asks which dialect it is.
An engine with no record is refused when the config is loaded, naming the dialect.

Pure data: importing this module imports no driver and no SQLAlchemy (config.py reads it).
"""

from __future__ import annotations

from dataclasses import dataclass

NUMERIC_NAMES_DEFAULT = ("Integer", "Numeric", "Float", "INTEGER", "BIGINT", "SMALLINT", "DOUBLE",
                         "FLOAT", "REAL", "DECIMAL", "NUMERIC")
TEXT_NAMES_DEFAULT = ("String", "VARCHAR", "TEXT", "CHAR")


@dataclass(frozen=True)
class Dialect:
    name: str  # SQLAlchemy's backend name (the URL scheme before '+')
    title: str  # the engine, as users call it
    tested: bool  # run by the test suite here (Snowflake through an emulator); else declared (compiled
    # and parsed, not run)
    driver: str  # the package to install (its SQLAlchemy dialect)
    sqlglot: str  # sqlglot's name of the dialect (the declared ones are parsed with it)
    alias: str = ""  # said beside the name where it is not the engine's (hive: Spark SQL)
    # NaN, +inf and -inf as SQL ({double}: the dialect's name of sa.Double). Never bound as
    # parameters: a driver that binds in the client (PyHive) writes a bare `nan`, a column name.
    special_doubles: tuple[str, str, str] = ("CAST('NaN' AS {double})", "CAST('Infinity' AS {double})",
                                             "CAST('-Infinity' AS {double})")
    nan_function: str = ""  # e.g. is_nan, where NaN = NaN is false (Trino, BigQuery); else x = NaN
    multi_argument_grouping: bool = True  # GROUPING(a, b, ...) gives one bitmask; else a sum of
    # one-argument GROUPINGs times powers of two (the same bitmask)
    # the character doubled inside a quoted identifier, where the driver's dialect has it wrong
    # (PyHive doubles '"' inside backticks: Spark reads `in""come`, not `in"come`)
    identifier_escape: str = ""
    md5: tuple[str, ...] = ("md5",)  # functions, outermost first, from text to a lowercase hex digest
    embedded_file: bool = False  # a file opened in-process: relative paths, memory limit
    # the functions building a vector of values and taking two vectors' inner product: a long
    # dot product is one call, not a sum of products (the multivariate error's projections;
    # sql.ARRAY_DOT_MIN); empty where the engine has none
    vector_functions: tuple[str, ...] = ()
    gx_persisted_connection: bool = False  # GX must keep one connection (lazy cursors)
    # the driver works in a process forked from one that used it (the CLI validates the GX
    # suite in a forked process, run.beside); Snowflake's connector keeps one HTTP connection
    # pool per process in its native core, which a fork would share between two processes
    fork_safe: bool = True
    # GX's type check: the names standing for a numeric / text column. Case-insensitive
    # dialects compare the compiled type name; the rest resolve names on the type module.
    gx_numeric_types: tuple[str, ...] = NUMERIC_NAMES_DEFAULT
    gx_text_types: tuple[str, ...] = TEXT_NAMES_DEFAULT
    # the packages GX imports for this dialect when they are installed (its compatibility
    # modules): the process validating a suite beside a CLI run (run.beside) imports GX without
    # the other dialects' (checks.context.gx_context_for)
    gx_integrations: tuple[str, ...] = ()
    # the engine's names of time types (lower case, without precision): each is `time` to the
    # config check; a naive one is read in the schedule's timezone, a zoned one as an instant
    time_types: tuple[str, ...] = ("timestamp", "date")
    # those of them that the driver does not reflect as a zoned DateTime but that hold an instant
    zoned_time_types: tuple[str, ...] = ()
    # how to list a table's columns with the engine's own type names, for columns the driver
    # reflects as NullType (PyHive: timestamp_ntz); `{table}` is the quoted name; rows are
    # (column, type, ...)
    describe: str = ""
    airflow_conn_types: tuple[str, ...] = ()  # Airflow connection types using this dialect
    airflow_driver: str = ""  # the SQLAlchemy scheme an Airflow connection maps to
    notes: str = ""  # what differs, for the engine table of docs/engines.md


DIALECTS: dict[str, Dialect] = {d.name: d for d in (
    Dialect("duckdb", "DuckDB (embedded, the default)", tested=True, driver="duckdb-engine",
            sqlglot="duckdb", embedded_file=True,
            time_types=("timestamp", "timestamptz", "timestamp with time zone", "timestamp_s", "timestamp_ms",
                        "timestamp_ns", "datetime", "date"),
            # lists, not fixed-size arrays: array_value/array_inner_product took 3.4x as long
            # (5.6 s against 1.65 s for a million rows of 62 inputs, DuckDB 2.0.1)
            vector_functions=("list_value", "list_inner_product"), gx_persisted_connection=True,
            airflow_conn_types=("duckdb",), airflow_driver="duckdb"),
    Dialect("postgresql", "PostgreSQL", tested=True, driver="psycopg2-binary", sqlglot="postgres",
            time_types=("timestamp", "timestamp without time zone", "timestamptz", "timestamp with time zone",
                        "date"),
            gx_numeric_types=("SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE PRECISION", "FLOAT",
                              "NUMERIC", "DECIMAL"),
            gx_text_types=("TEXT", "VARCHAR", "CHAR"),
            airflow_conn_types=("postgres", "postgresql"), airflow_driver="postgresql+psycopg2"),
    Dialect("hive", "Spark SQL (Thrift server: hive://host:10000/db)", tested=True,
            driver="pyhive[hive_pure_sasl]", sqlglot="spark", alias="Spark SQL",
            multi_argument_grouping=False, identifier_escape="`",
            time_types=("timestamp", "timestamp_ntz", "timestamp_ltz", "date"), describe="DESCRIBE {table}",
            airflow_conn_types=("spark_sql", "hiveserver2"), airflow_driver="hive",
            notes="GROUPING takes one argument; PyHive binds parameters in the client and reflects "
                  "TIMESTAMP_NTZ as no type (read from DESCRIBE)"),
    Dialect("databricks", "Databricks SQL", tested=False, driver="databricks-sqlalchemy",
            sqlglot="databricks", multi_argument_grouping=False,
            time_types=("timestamp", "timestamp_ntz", "timestamp_ltz", "date"),
            gx_integrations=("databricks",), notes="Spark SQL's semantics"),
    Dialect("snowflake", "Snowflake", tested=True, driver="snowflake-sqlalchemy", sqlglot="snowflake",
            time_types=("timestamp", "timestamp_ntz", "timestamp_ltz", "timestamp_tz", "datetime", "date"),
            zoned_time_types=("timestamp_ltz", "timestamp_tz"), fork_safe=False,
            gx_integrations=("snowflake",),
            special_doubles=("CAST('NaN' AS {double})", "CAST('inf' AS {double})",
                             "CAST('-inf' AS {double})"),
            notes="NaN = NaN is true, as in PostgreSQL"),
    Dialect("bigquery", "BigQuery", tested=False, driver="sqlalchemy-bigquery", sqlglot="bigquery",
            time_types=("timestamp", "datetime", "date"),
            special_doubles=("CAST('NaN' AS {double})", "CAST('inf' AS {double})",
                             "CAST('-inf' AS {double})"),
            nan_function="is_nan", multi_argument_grouping=False, md5=("to_hex", "md5"),
            gx_integrations=("sqlalchemy_bigquery", "google.cloud"),
            notes="NaN = NaN is false (IS_NAN); GROUPING takes one argument; MD5 gives BYTES"),
    Dialect("trino", "Trino", tested=False, driver="trino[sqlalchemy]", sqlglot="trino",
            time_types=("timestamp", "timestamp with time zone", "date"),
            special_doubles=("nan()", "infinity()", "-infinity()"), nan_function="is_nan",
            md5=("lower", "to_hex", "md5", "to_utf8"), gx_integrations=("trino",),
            airflow_conn_types=("trino",), airflow_driver="trino",
            notes="NaN = NaN is false (is_nan); md5 takes varbinary"),
    Dialect("redshift", "Amazon Redshift", tested=False, driver="sqlalchemy-redshift",
            sqlglot="redshift", multi_argument_grouping=False,
            time_types=("timestamp", "timestamptz", "timestamp without time zone", "timestamp with time zone",
                        "date"),
            airflow_conn_types=("redshift",), airflow_driver="redshift+psycopg2",
            gx_integrations=("sqlalchemy_redshift", "boto3", "botocore"),
            notes="GROUPING takes one argument"),
)}
WHY_NOT = {
    "mysql": "it has no GROUPING SETS", "mariadb": "it has no GROUPING SETS",
    "sqlite": "it has no GROUPING SETS", "mssql": "its GROUPING takes one argument",
}


def backend_name(url: str) -> str:
    """The backend name of a SQLAlchemy URL: postgresql+psycopg2://... -> postgresql."""
    scheme, sep, _ = url.partition("://")
    if not sep or not scheme:
        raise ValueError(f"{url!r} is not a SQLAlchemy URL (dialect+driver://...)")
    return scheme.split("+", 1)[0].lower()


def dialect_record(backend: str) -> Dialect:
    """The record of a backend; ValueError naming it and the supported ones if there is none."""
    found = DIALECTS.get(backend)
    if found is None:
        reason = f" ({WHY_NOT[backend]})" if backend in WHY_NOT else ""
        supported = (f"{d.name} ({d.alias})" if d.alias else d.name for d in DIALECTS.values())
        raise ValueError(f"dialect {backend!r} is not supported{reason}; supported: "
                         f"{', '.join(sorted(supported))}")
    return found
