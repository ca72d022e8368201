"""The emulator's server process: moto on loopback with jumpgate's adapter installed.

`python -m jumpgate.emulator.serve --port N [--no-enforce]` prints `ready <port>` once it accepts
requests and runs until SIGTERM/SIGINT. IAM enforcement is on unless --no-enforce.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jumpgate-local-aws")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--no-enforce", action="store_true", help="start with IAM enforcement off (tests' speed)"
    )
    args = parser.parse_args(argv)

    from moto import settings
    from moto.server import ThreadedMotoServer

    from jumpgate.emulator.adapter import install

    install()
    # moto enforces IAM once this many requests were served: 0 = from the first one.
    settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf") if args.no_enforce else 0
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    print(f"ready {port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
