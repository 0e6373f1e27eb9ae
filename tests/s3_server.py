"""An S3-compatible server for the tests (moto's, in memory, with conditional writes: a stale
If-Match answers 412). Serves 127.0.0.1:PORT, prints READY once it accepts requests, and runs
until its stdin closes (the test session ends).

    python tests/s3_server.py PORT
"""

from __future__ import annotations

import logging
import sys

from moto.server import ThreadedMotoServer


def main(port: int) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()  # returns once the server is bound
    print("READY", flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]))
