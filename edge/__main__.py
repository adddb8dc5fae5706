"""`edge serve|doctor|upload|import|envs|keys|users`: build Settings, then run the app (in one process or under edge.supervisor)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from edge import __version__
from edge.errors import SettingsError
from edge.settings import Settings

if TYPE_CHECKING:
    from edge.supervisor import RestartCount

DEFAULT_CONFIG = Path("config/edge.toml")


def _tame_malloc() -> None:
    """glibc: few malloc arenas and a fixed mmap threshold, set before any thread starts.

    Render threads and libvips' worker threads each get an arena by default, and glibc raises
    its mmap threshold after every large free, so pixel buffers end up in fragmented arenas
    instead of being handed back to the kernel: RSS creeps up under load."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # not glibc
    m_arena_max, m_mmap_threshold = -8, -3
    libc.mallopt(m_arena_max, 2)
    libc.mallopt(m_mmap_threshold, 256 * 1024)


def main(argv: list[str] | None = None) -> int:
    _tame_malloc()
    parser = argparse.ArgumentParser(prog="edge", description="Cloudinary-compatible image CDN edge")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--config", type=Path, help=f"TOML config (default: {DEFAULT_CONFIG} if present)")
    serve.add_argument(
        "--workers", type=int, help="processes sharing the port, each restarted if it dies (default: EDGE_SERVER_WORKERS)"
    )
    serve.add_argument("--samples", action="store_true", help="install the sample originals first")
    doctor = sub.add_parser("doctor", help="print libvips version and codecs")
    doctor.add_argument("--config", type=Path)
    _client_commands(sub)
    args = parser.parse_args(argv)
    try:
        settings = _load_settings(args.config)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command in ("upload", "import", "envs", "keys", "users"):
        return _client(args, settings)
    if args.command == "doctor":
        return _doctor(settings)
    return _serve(settings, args)


def _client_commands(sub: argparse._SubParsersAction) -> None:
    for name, help_text in (("upload", "upload files to a running edge"), ("import", "upload a folder (resumable)")):
        command = sub.add_parser(name, help=help_text)
        if name == "upload":
            command.add_argument("paths", nargs="+", type=Path)
        else:
            command.add_argument("dir", type=Path)
            command.add_argument("--concurrency", type=int, default=8)
        command.add_argument("--folder", default="")
        command.add_argument("--tags", default="", help="comma-separated")
        command.add_argument("--url", help="edge's address (default: http://HOST:PORT from the settings)")
        command.add_argument("--config", type=Path)
    from edge import cli

    cli.add_account_commands(sub)  # envs, keys, users


def _client(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from edge import cli

    if args.command in ("envs", "keys", "users"):
        return cli.run_account_command(args, settings)
    to = cli.target(args.url or f"http://{settings.server.host}:{settings.server.port}", settings.cloud.url.reveal())
    try:
        if args.command == "upload":
            for result in asyncio.run(cli.upload_files(to, args.paths, args.folder, args.tags)):
                print(json.dumps({k: result[k] for k in ("public_id", "version", "url")}))
        else:
            uploaded, skipped = asyncio.run(cli.import_dir(to, args.dir, args.folder, args.tags, args.concurrency))
            print(f"uploaded {uploaded}, skipped {skipped} (already there)")
    except (RuntimeError, OSError, ValueError) as exc:
        print(f"edge {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


def _load_settings(config: Path | None) -> Settings:
    if config is None and DEFAULT_CONFIG.is_file():
        config = DEFAULT_CONFIG
    settings = Settings.load(os.environ, config)
    from edge.grammar.named import parse_named_settings

    parse_named_settings(settings.transformations.named)  # a bad t_ definition stops start-up (exit 2)
    return settings


def _doctor(settings: Settings) -> int:
    from edge.imaging import runtime

    print(f"edge {__version__}")
    print(f"libvips {runtime.libvips_version()}")
    for name, present in runtime.codecs().items():
        print(f"  {name:<10} {'yes' if present else 'no'}")
    where = f" -> {settings.storage.folder}" if settings.storage.scheme == "file" else ""
    print(f"storage {settings.storage.url}{where}")
    print(f"cloud {settings.cloud.name}")
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import dataclasses

    if args.workers is not None and args.workers < 0:
        print("edge serve: --workers must be 0 (one per CPU core) or more", file=sys.stderr)
        return 2

    server = dataclasses.replace(
        settings.server, host=args.host or settings.server.host, port=args.port or settings.server.port,
        workers=args.workers if args.workers is not None else settings.server.workers,
    )
    settings = dataclasses.replace(settings, server=server)
    from edge.http import logging as edge_logging

    edge_logging.configure(settings.server.log_format)
    if args.samples:
        _install_samples(settings)
        _sample_admin(settings)
    workers = settings.processes
    print(f"edge {__version__} on http://{server.host}:{server.port} (storage {settings.storage.url}, "
          f"{workers} worker process{'es' if workers > 1 else ''} x {settings.render_threads} render thread"
          f"{'s' if settings.render_threads > 1 else ''})")
    _print_examples(settings)
    sys.stdout.flush()
    if workers == 1:
        _run(settings, reuse_port=False)  # one process: the orchestrator (or the shell) is its supervisor
        return 0
    from edge.supervisor import RestartCount, Supervisor

    sock = socket.create_server((server.host, server.port), reuse_port=False, backlog=1024)
    sock.set_inheritable(True)
    restarts = RestartCount()
    return Supervisor(lambda s: _run(settings, reuse_port=False, sock=s, restarts=restarts), sock, workers, restarts).run()


# (public_id, an example URL's tail) for the sample originals that `--samples` installs.
_EXAMPLES = (
    ("sample", "c_fill,g_auto,w_400,h_300/sample.jpg"),
    ("samples/coffee", "c_pad,b_black,w_500,h_500/samples/coffee.webp"),
    ("samples/astronaut", "w_300,f_auto,q_auto/samples/astronaut"),
    ("samples/rocket", "c_crop,g_north_west,w_200,h_200/samples/rocket.png"),
)


def _print_examples(settings: Settings) -> None:
    """Example URLs only for originals that are there: a newcomer's first click must not be a 404."""
    from edge import samples

    server = settings.server
    base = f"http://{server.host}:{server.port}/{settings.cloud.name}/image/upload"
    present = samples.present(settings.storage.folder, settings.cloud.name) if settings.storage.scheme == "file" else set()
    examples = [tail for public_id, tail in _EXAMPLES if public_id in present]
    if examples:
        print("try:")
        for tail in examples:
            print(f"  {base}/{tail}")
        return
    print("no sample images here: start with --samples (or `make run`) for some, or upload your own:")
    print(f"  edge upload --url http://{server.host}:{server.port} photo.jpg   then  {base}/w_400/photo.jpg")


def _install_samples(settings: Settings) -> None:
    """In a spawned process: libvips must not be initialised in a parent that forks workers."""
    import multiprocessing

    from edge import samples

    context = multiprocessing.get_context("spawn")
    process = context.Process(target=samples.install, args=(settings.storage.folder, settings.cloud.name))
    process.start()
    process.join()


def _sample_admin(settings: Settings) -> None:
    """The embedded default's first console user: a random password, printed this once."""
    from edge import cli

    password = asyncio.run(cli.sample_admin(settings))
    if password:
        print("console administrator: admin@localhost (master_admin)")
        print(f"  one-time password, shown once: {password}")


def _run(
    settings: Settings, reuse_port: bool, sock: socket.socket | None = None, restarts: RestartCount | None = None
) -> None:
    from aiohttp import web

    from edge.app import create_app
    from edge.http.draining import drain_on_sigterm
    from edge.http.keys import METRICS

    loop = _new_loop()
    asyncio.set_event_loop(loop)
    app = create_app(settings)
    drain_on_sigterm(app)
    if restarts is not None:
        app[METRICS].registry.register(restarts.collector())  # the node's count, kept by the supervisor
    web.run_app(
        app,
        host=None if sock else settings.server.host,
        port=None if sock else settings.server.port,
        sock=sock,
        reuse_port=reuse_port or None,
        access_log=logging.getLogger("aiohttp.access") if settings.server.access_log else None,
        shutdown_timeout=settings.server.shutdown_grace_seconds,
        print=None,
        loop=loop,
        handle_signals=True,
    )


def _new_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed: measured on cached hits (wrk -c16, one worker, same run), edge took
    53-57 us of CPU per request on uvloop against 58-66 us on asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


if __name__ == "__main__":
    sys.exit(main())
