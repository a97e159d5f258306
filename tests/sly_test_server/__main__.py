"""Run the test server by hand: ``PYTHONPATH=tests .venv/bin/python -m sly_test_server``."""

import argparse
import logging
import os
import sys
import threading
from typing import List, Optional

from .server import SlyTestServer
from .store import KEY_STYLES


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sly_test_server",
        description="Supervisely test server on 127.0.0.1 (state in memory, lost on exit).",
    )
    parser.add_argument("--port", type=int, default=8000, help="port, 0 for a free one")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--token", help="API token to accept (default: env API_TOKEN)")
    parser.add_argument("--team-id", type=int, default=1)
    parser.add_argument("--workspace-id", type=int, default=1)
    parser.add_argument("--key-style", choices=KEY_STYLES, default="int")
    parser.add_argument("--per-page", type=int, default=500, help="page size of list answers")
    parser.add_argument("--log-requests", action="store_true", help="log method, endpoint, status")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    token = args.token or os.environ.get("API_TOKEN")
    if not token:
        print("No token: pass --token or set API_TOKEN", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    server = SlyTestServer(
        token=token,
        latency=args.latency,
        key_style=args.key_style,
        port=args.port,
        team_id=args.team_id,
        workspace_id=args.workspace_id,
        per_page=args.per_page,
        log_requests=args.log_requests,
    )
    server.start()
    print(f"SERVER_ADDRESS={server.url} WORKSPACE_ID={server.workspace_id}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
