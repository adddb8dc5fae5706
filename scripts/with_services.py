#!/usr/bin/env python3
"""Run a command with the test services up: PostgreSQL and Redis (and Debian's Chromium for the browser tests).

The machine normally starts them (127.0.0.1:5432, database `test`; 127.0.0.1:6379). If one
is down, start it with the machine's own command; if the machine has no such service, start
a private one on a free port from whatever binaries exist, and point the tests at it
(EDGE_TEST_POSTGRES, EDGE_TEST_REDIS). A private instance is stopped when the command ends.
Nothing is mocked: without any binary, the tests that need the service fail and say why.

    scripts/with_services.py python -m pytest ...
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

PG_URL = "postgresql://postgres@127.0.0.1:{port}/test"
REDIS_URL = "redis://127.0.0.1:{port}/0"


def reachable(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for(port: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if reachable(port):
            return True
        time.sleep(0.2)
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quiet(command: list[str]) -> bool:
    try:
        return subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root."""
    if os.geteuid() == 0 and shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def pg_binary(name: str) -> str | None:
    return shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)


def postgres(cleanups: list) -> str | None:
    if reachable(5432):
        return None
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if versions and shutil.which("pg_ctlcluster"):
        quiet(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"])
        if wait_for(5432, 10):
            return None
    initdb, pg_ctl = pg_binary("initdb"), pg_binary("pg_ctl")
    if not (initdb and pg_ctl):
        print("with_services: no PostgreSQL here; its tests will skip", file=sys.stderr)
        return None
    folder = tempfile.mkdtemp(prefix="edge-pg-")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = free_port()
    if not quiet(as_postgres([initdb, "-D", folder, "-U", "postgres", "--auth=trust"])):
        print("with_services: initdb failed; PostgreSQL tests will skip", file=sys.stderr)
        return None
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    quiet(as_postgres([pg_ctl, "-D", folder, "-o", options, "-l", f"{folder}/log", "-w", "start"]))
    cleanups.append(lambda: quiet(as_postgres([pg_ctl, "-D", folder, "-m", "fast", "stop"])))
    if not wait_for(port):
        return None
    psql = pg_binary("psql")
    if psql:
        quiet([psql, "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c", "CREATE DATABASE test"])
    return PG_URL.format(port=port)


def redis(cleanups: list) -> str | None:
    if reachable(6379):
        return None
    server = shutil.which("redis-server")
    if server is None:
        print("with_services: no redis-server here; its tests will skip", file=sys.stderr)
        return None
    quiet([server, "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no"])
    if wait_for(6379, 5):
        return None
    port = free_port()
    process = subprocess.Popen([server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cleanups.append(process.terminate)
    return REDIS_URL.format(port=port) if wait_for(port) else None


def chromium() -> None:
    """The widgets' browser tests drive Debian's Chromium (Playwright cannot download its own here):
    install it with apt when it is missing and we may; otherwise those tests skip and say why."""
    if shutil.which("chromium") or os.path.exists("/usr/bin/chromium"):
        return
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        print("with_services: no chromium and no root apt-get; the browser tests will skip", file=sys.stderr)
        return
    print("with_services: installing chromium (apt-get, once)", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in ([apt, "update", "-q"], [apt, "install", "-y", "-q", "chromium", "chromium-driver"]):
        try:
            if subprocess.run(command, stdout=subprocess.DEVNULL, env=env, timeout=900).returncode != 0:
                print(f"with_services: {' '.join(command[1:3])} failed; the browser tests will skip", file=sys.stderr)
                return
        except (OSError, subprocess.TimeoutExpired):
            print("with_services: apt-get did not finish; the browser tests will skip", file=sys.stderr)
            return


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cleanups: list = []
    env = dict(os.environ)
    try:
        chromium()
        if (url := postgres(cleanups)) is not None:
            env["EDGE_TEST_POSTGRES"] = url
        if (url := redis(cleanups)) is not None:
            env["EDGE_TEST_REDIS"] = url
        return subprocess.call(argv, env=env)
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
