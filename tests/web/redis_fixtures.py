"""A real Redis (127.0.0.1:6379, or ROOTMAP_TEST_REDIS_URL) for the tests of the job queue and
the shared cache, and real `rootmap` processes (worker, gunicorn) against the test database.

Each test run writes under its own key prefix and removes every key under it afterwards, so
runs in parallel (other worktrees, pytest-xdist workers) never see each other's jobs.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REDIS_URL = os.environ.get("ROOTMAP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_skip() -> Any:
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis does not answer on {REDIS_URL}: start it (scripts/ensure-redis)")
    return connection


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    connection = redis_or_skip()
    prefix = f"rootmap-test-{secrets.token_hex(6)}"
    yield prefix
    keys = list(connection.scan_iter(match=f"{prefix}*", count=500))
    if keys:
        connection.delete(*keys)


def database_url() -> str:
    """The test database, as a URL another process can open (pytest-django's test database)."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return (f"postgresql://{user}{password}@{settings.get('HOST') or '127.0.0.1'}:"
            f"{settings.get('PORT') or 5432}/{settings['NAME']}")


def process_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROOTMAP_", "DATABASE_URL"))}
    env.update(DJANGO_SETTINGS_MODULE="rootmap.web.test_settings", ROOTMAP_TESTING="1",
               DATABASE_URL=database_url(), **extra)
    return env


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "rootmap", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the process stopped: {log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listened on {port}: {log.read_text(errors='replace')[-3000:]}")


def wait_for_text(log: Path, text: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in the log: {log.read_text(errors='replace')[-3000:]}")
