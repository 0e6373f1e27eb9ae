"""`warehouse: airflow://CONN_ID`: the SQLAlchemy URL of an Airflow connection, resolved at run
time so passwords live in Airflow (and Airflow masks them in logs), not in YAML."""

from __future__ import annotations

from monitors.warehouse.dialects import DIALECTS

PREFIX = "airflow://"
# Airflow connection types -> SQLAlchemy drivers, from the supported dialects' records only
DRIVERS = {conn_type: d.airflow_driver for d in DIALECTS.values() for conn_type in d.airflow_conn_types}


def compute_warehouse_url(warehouse: str) -> str:
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
