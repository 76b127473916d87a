"""``fake-looker``: run the Looker stand-in from the command line until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from ._config import FAULT_TARGETS, FakeLookerConfig
from ._server import FakeLooker

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fake-looker",
        description="A Looker stand-in: OAuth login pages, /api/token and a slice of API 4.0.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=19999, help="API port (0 = any free port)")
    parser.add_argument(
        "--ui-port", type=int, default=None, help="serve the login pages on this port instead"
    )
    app = parser.add_argument_group("OAuth client app (registered when --redirect-uri is given)")
    app.add_argument("--client-guid", default="looker-nb-auth-demo")
    app.add_argument(
        "--redirect-uri", action="append", help="a redirect URI; repeat it to register several"
    )
    app.add_argument("--display-name", default="looker-nb-auth demo")
    app.add_argument(
        "--description", default="Lets your Jupyter notebook call the Looker API as you."
    )
    knobs = parser.add_argument_group("behaviour")
    knobs.add_argument("--access-token-ttl", type=int, default=3600, metavar="S")
    knobs.add_argument("--code-ttl", type=float, default=60.0, metavar="S")
    knobs.add_argument("--no-rotate", action="store_true", help="keep refresh tokens on refresh")
    knobs.add_argument("--omit-refresh-token", action="store_true")
    knobs.add_argument("--latency", type=float, default=0.0, metavar="S")
    knobs.add_argument(
        "--fault-target",
        choices=FAULT_TARGETS,
        default="all",
        help="requests the random faults and the quota hit: POST /api/token, the rest, or all",
    )
    knobs.add_argument(
        "--error-rate", type=float, default=0.0, metavar="F", help="share answered 503"
    )
    knobs.add_argument(
        "--drop-rate", type=float, default=0.0, metavar="F", help="share dropped unread"
    )
    knobs.add_argument(
        "--drop-after-rate",
        type=float,
        default=0.0,
        metavar="F",
        help="share handled (tokens rotated, ...) whose answer is dropped",
    )
    knobs.add_argument("--seed", type=int, default=None)
    knobs.add_argument(
        "--rate-limit",
        type=int,
        default=None,
        metavar="N",
        help="a quota: N requests per window, then 429 with Retry-After",
    )
    knobs.add_argument("--rate-limit-window", type=float, default=1.0, metavar="S")
    knobs.add_argument(
        "--retry-after", type=int, default=1, metavar="S", help="Retry-After of injected 429s"
    )
    knobs.add_argument(
        "--big-rows",
        type=int,
        default=0,
        metavar="N",
        help="rows of the generated explore demo::events (0: none)",
    )
    knobs.add_argument(
        "--query-task-seconds",
        type=float,
        default=0.0,
        metavar="S",
        help="how long an async query task runs before it is complete",
    )
    parser.add_argument(
        "--big-query-seconds",
        type=float,
        default=0.0,
        metavar="S",
        help="extra seconds a query task on demo::events runs",
    )
    knobs.add_argument(
        "--link-rate",
        type=float,
        default=0.0,
        metavar="B",
        help="send every results body at most B bytes per second (0: no limit)",
    )
    knobs.add_argument(
        "--no-result-cache",
        action="store_true",
        help="render every demo::events run again instead of serving repeats from the cache",
    )
    knobs.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the stand-in until interrupted; returns the exit status."""
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    config = FakeLookerConfig(
        access_token_ttl=args.access_token_ttl,
        code_ttl=args.code_ttl,
        rotate_refresh_tokens=not args.no_rotate,
        omit_refresh_token=args.omit_refresh_token,
        latency=args.latency,
        fault_target=args.fault_target,
        error_rate=args.error_rate,
        drop_rate=args.drop_rate,
        drop_after_rate=args.drop_after_rate,
        seed=args.seed,
        rate_limit=args.rate_limit,
        rate_limit_window=args.rate_limit_window,
        retry_after=args.retry_after,
        big_rows=args.big_rows,
        query_task_seconds=args.query_task_seconds,
        big_query_seconds=args.big_query_seconds,
        result_cache=not args.no_result_cache,
        link_rate=args.link_rate,
    )
    looker = FakeLooker(config)
    if args.redirect_uri:
        looker.register_app(
            args.client_guid,
            display_name=args.display_name,
            description=args.description,
            redirect_uris=args.redirect_uri,
        )
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if in_main_thread else None
    try:
        looker.start(args.host, args.port, args.ui_port)
        user = config.users[0]
        print(
            f"Fake Looker: API {looker.api_url}  web {looker.web_url}  "
            f"log in as {user.email} / {user.password}  "
            f"(API3 {config.admin_client_id} / {config.admin_client_secret}); Ctrl-C stops.",
            flush=True,
        )
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        looker.stop()
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
    return 0
