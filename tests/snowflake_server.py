"""A Snowflake for the tests: fakesnow's HTTP server (Snowflake's REST API over an in-memory DuckDB)
on 127.0.0.1:PORT. The real snowflake-connector-python reaches it with host="127.0.0.1",
port=PORT, protocol="http" and any user, password and account. All sessions share the one
DuckDB: what one connection writes the next reads, in any database and schema, until this
process ends. Run it with the Python of its own env, holding fakesnow[server]==0.12.1 and
snowflake-connector-python<5 (fakesnow imports snowflake.connector.converter, which 5.x lacks).
The three patches below let a 5.x client, as in our env, read its answers.
Prints READY when it serves, then runs until its stdin closes."""

import json
import logging
import sys
import threading
import time
import warnings


def main(port: int) -> None:
    import fakesnow.arrow
    import fakesnow.server  # the Starlette routes; its module-level FakeSnow() is the shared store
    import pyarrow as pa
    import pyarrow.compute as pc
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    # 1. connector 5.x (its Rust core) refuses a login answer without a master token
    login = fakesnow.server.login_request

    async def login_request(request):
        response = await login(request)
        body = json.loads(response.body)
        if body.get("success"):
            data = body["data"]
            data.setdefault("masterToken", "master-" + data["token"])
            data.setdefault("validityInSeconds", 3600)
            data.setdefault("masterValidityInSeconds", 14400)
            data.setdefault("sessionId", abs(hash(data["token"])) % 10**12)
        return JSONResponse(body, status_code=response.status_code)

    # 2. connector 5.x validates the Arrow it reads: a NULL timestamp must be a null struct whose
    # non-nullable epoch and fraction hold values (fakesnow leaves them null: "Found unmasked nulls")
    to_struct = fakesnow.arrow.timestamp_to_sf_struct

    def timestamp_to_sf_struct(ts):
        if isinstance(ts, pa.ChunkedArray):
            ts = ts.combine_chunks()
        struct = to_struct(pc.fill_null(ts, pa.scalar(0, ts.type)))
        fields = [struct.type.field(i) for i in range(struct.type.num_fields)]
        return pa.StructArray.from_arrays(struct.flatten(), fields=fields, mask=ts.is_null())

    fakesnow.arrow.timestamp_to_sf_struct = timestamp_to_sf_struct

    # 3. a NULL in a server-side (qmark) array binding, as executemany sends it, is NULL
    from_binding = fakesnow.server.from_binding
    fakesnow.server.from_binding = lambda b: None if b.get("value") is None else from_binding(b)

    # quiet: fakesnow logs every login and failed query at INFO, uvicorn every request
    logging.getLogger("fakesnow.server").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")

    routes = [Route(r.path, login_request, methods=["POST"]) if r.path == "/session/v1/login-request" else r
              for r in fakesnow.server.routes]
    config = uvicorn.Config(Starlette(routes=routes), host="127.0.0.1", port=port,
                            log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fakesnow", daemon=True)
    thread.start()
    while thread.is_alive() and not server.started:  # started: the socket listens
        time.sleep(0.02)
    if not server.started:
        sys.exit(f"fakesnow did not start on 127.0.0.1:{port}")
    print("READY", flush=True)
    sys.stdin.read()  # until the parent closes our stdin, or dies
    server.should_exit = True
    thread.join(10)  # waits for a query in flight; the daemon thread dies with us after that


if __name__ == "__main__":
    main(int(sys.argv[1]))
