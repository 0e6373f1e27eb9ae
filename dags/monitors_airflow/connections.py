"""Credentials from Airflow connections, resolved at run time so secrets live in Airflow (and
Airflow masks them in logs), not in YAML: `warehouse: airflow://CONN_ID` (a SQLAlchemy URL) and
`airflow.storage_conn_id` (the object store's credentials)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from monitors.config import ModelConfig
from monitors.core.location import Location
from monitors.warehouse.dialects import DIALECTS

PREFIX = "airflow://"
# Airflow connection types -> SQLAlchemy drivers, from the supported dialects' records only
DRIVERS = {conn_type: d.airflow_driver for d in DIALECTS.values() for conn_type in d.airflow_conn_types}


def load_warehouse_url(warehouse: str) -> str:
    """The URL itself, or for airflow://CONN_ID the connection's SQLAlchemy URL. A connection may
    set extra {"sqlalchemy_url": "..."} or {"sqlalchemy_scheme": "..."} to choose the driver."""
    if not warehouse.startswith(PREFIX):
        return warehouse
    import sqlalchemy as sa
    from airflow.sdk import Connection

    conn = Connection.get(warehouse.removeprefix(PREFIX))
    extra = conn.extra_dejson or {}
    if extra.get("sqlalchemy_url"):
        return str(extra["sqlalchemy_url"])
    driver = extra.get("sqlalchemy_scheme") or DRIVERS.get(conn.conn_type)
    if driver is None:
        raise ValueError(f"connection {conn.conn_id!r}: connection type {conn.conn_type!r} has no supported "
                         f"warehouse dialect (types: {', '.join(sorted(DRIVERS))}); set extra "
                         '{"sqlalchemy_url": "..."} or {"sqlalchemy_scheme": "..."}')
    url = sa.URL.create(driver, username=conn.login or None, password=conn.password or None,
                        host=conn.host or None, port=conn.port or None,
                        database=conn.schema or None)
    return url.render_as_string(hide_password=False)


# aws connection fields -> the standard AWS environment that s3fs (botocore) reads
STORAGE_EXTRA = {"endpoint_url": "AWS_ENDPOINT_URL", "region_name": "AWS_DEFAULT_REGION",
                 "aws_session_token": "AWS_SESSION_TOKEN", "aws_access_key_id": "AWS_ACCESS_KEY_ID",
                 "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY"}


def load_storage_env(conn_id: str) -> dict[str, str]:
    """The AWS environment an aws-type connection gives: login/password as the key pair (or
    extra aws_access_key_id / aws_secret_access_key), extra endpoint_url, region_name,
    aws_session_token."""
    from airflow.sdk import Connection

    conn = Connection.get(conn_id)
    env = {"AWS_ACCESS_KEY_ID": conn.login or "", "AWS_SECRET_ACCESS_KEY": conn.password or ""}
    extra = conn.extra_dejson or {}
    env.update({name: str(extra[key]) for key, name in STORAGE_EXTRA.items() if extra.get(key)})
    return {name: value for name, value in env.items() if value}


# the same fields as s3fs's keyword arguments (a process serving several models: the API server)
STORAGE_OPTIONS = {"AWS_ACCESS_KEY_ID": "key", "AWS_SECRET_ACCESS_KEY": "secret",
                   "AWS_SESSION_TOKEN": "token", "AWS_ENDPOINT_URL": "endpoint_url"}


def load_storage_location(location: Location, conn_id: str | None) -> Location:
    """An object-storage location reading with the credentials of `airflow.storage_conn_id`
    (a local path, or no connection: as it is, with the process's AWS environment)."""
    if conn_id is None or isinstance(location, Path):
        return location
    from upath import UPath

    env = load_storage_env(conn_id)
    options: dict[str, Any] = {option: env[name] for name, option in STORAGE_OPTIONS.items()
                               if name in env}
    if "AWS_DEFAULT_REGION" in env:
        options["client_kwargs"] = {"region_name": env["AWS_DEFAULT_REGION"]}
    return UPath(str(location), use_listings_cache=False, **options)


def apply_storage_connection(config: ModelConfig) -> None:
    """In a task's process: the object store's credentials from `airflow.storage_conn_id`, if
    set (each task is its own process: the environment goes no further)."""
    if config.airflow.storage_conn_id:
        os.environ.update(load_storage_env(config.airflow.storage_conn_id))
