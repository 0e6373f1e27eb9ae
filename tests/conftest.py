"""Shared fixtures: seeded warehouses in temp folders, and PostgreSQL when it is there."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("TQDM_DISABLE", "1")
# the Snowflake connector's core looks for the cloud it runs on (EC2/GCE/Azure metadata addresses):
# tests reach no address but this machine's
os.environ.setdefault("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

POSTGRES_URL = os.environ.get("MONITORS_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).relative_to(REPO / "tests").parts
        if parts[0] in {"unit", "integration", "dags", "browser"}:
            item.add_marker(getattr(pytest.mark, parts[0]))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder: MONITORS_HOME and the working directory."""
    monkeypatch.setenv("MONITORS_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def duckdb_warehouse(home: Path) -> str:
    from monitors.testing import make_tables, write_duckdb_warehouse

    return write_duckdb_warehouse(home / "warehouse.duckdb", make_tables(seed=1, days=4, rows_per_day=1500))


def _postgres_reachable() -> bool:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_url() -> str:
    if not _postgres_reachable():
        if os.environ.get("MONITORS_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required (MONITORS_REQUIRE_POSTGRES) but {POSTGRES_URL} "
                        "is unreachable")
        pytest.skip("PostgreSQL unreachable and MONITORS_REQUIRE_POSTGRES unset")
    return POSTGRES_URL


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A schema of its own for one test, dropped after."""
    import sqlalchemy as sa

    schema = f"monitors_test_{uuid.uuid4().hex[:10]}"
    yield schema
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def compute_free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3-compatible server for the session (tests/s3_server.py, moto), and the standard AWS
    environment pointing at it (as a user's CLI or worker would have it)."""
    import subprocess
    import sys

    port = compute_free_port()
    server = subprocess.Popen([sys.executable, str(REPO / "tests" / "s3_server.py"), str(port)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    if server.stdout.readline().strip() != "READY":  # the handshake; EOF if it died
        server.kill()
        pytest.fail("the S3 server (moto) did not start")
    endpoint = f"http://127.0.0.1:{port}"
    env = {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "monitors", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_SECRET_ACCESS_KEY": "monitors-secret"}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    yield endpoint
    for key, value in saved.items():
        os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    assert server.stdin is not None
    server.stdin.close()
    server.wait(timeout=30)


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A new empty bucket: s3://<name>."""
    import s3fs

    name = f"monitors-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem().mkdir(name)
    return f"s3://{name}"


@pytest.fixture(scope="session")
def spark_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Spark SQL Thrift server for the session (tests/spark_server.py): hive://127.0.0.1:PORT.
    Needs Java 17 and pyspark (make installs both); its absence fails the test, never skips."""
    import subprocess
    import sys

    port = compute_free_port()
    folder = tmp_path_factory.mktemp("spark")
    log = (folder / "server.log").open("w")
    server = subprocess.Popen([sys.executable, str(REPO / "tests" / "spark_server.py"), str(port),
                               str(folder / "warehouse")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=log, text=True, cwd=folder)
    assert server.stdout is not None
    ready = server.stdout.readline().strip()  # the handshake: READY once it serves, EOF if it died
    if ready != "READY":
        server.kill()
        pytest.fail(f"the Spark Thrift server did not start: {(folder / 'server.log').read_text()[-3000:]}")
    yield f"hive://127.0.0.1:{port}/default"
    assert server.stdin is not None
    server.stdin.close()
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@dataclass(frozen=True)
class Snowflake:
    """fakesnow's server: the URL and the connect_args (host, port, protocol) a config needs."""

    url: str
    connect_args: dict[str, Any]


@pytest.fixture(scope="session")
def snowflake() -> Iterator[Snowflake]:
    """A Snowflake emulator for the session (tests/snowflake_server.py: fakesnow's server, in its
    own venv, .tools/fakesnow, which make builds); the real snowflake connector and
    snowflake-sqlalchemy of our env talk to it over HTTP. Its absence fails the test, never skips."""
    import subprocess

    python = REPO / ".tools" / "fakesnow" / "bin" / "python"
    if not python.exists():
        pytest.fail(f"{python} is missing: make .tools/fakesnow/.synced builds fakesnow's env")
    port = compute_free_port()
    server = subprocess.Popen([str(python), str(REPO / "tests" / "snowflake_server.py"), str(port)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdin is not None
    if server.stdout.readline().strip() != "READY":  # the handshake; EOF if it died
        server.kill()
        pytest.fail("the Snowflake emulator (fakesnow) did not start")
    yield Snowflake("snowflake://monitors:secret@fakesnow/monitors/public",
                    {"host": "127.0.0.1", "port": port, "protocol": "http", "network_timeout": 60,
                     "session_parameters": {"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False}})
    server.stdin.close()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
