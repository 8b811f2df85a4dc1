"""What `rootmap demo`, `rootmap serve` and `rootmap manage` share: Django set-up and serving."""

from __future__ import annotations

import os
import sys

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def setup_django() -> str | None:
    """Set Django up for the web settings; a settings problem comes back as one line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rootmap.web.settings")
    try:
        import django

        django.setup()
    except RuntimeError as error:  # the settings' env readers fail loudly, with a message
        return str(error)
    return None


def database_label() -> str:
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite database {settings['NAME']}"
    return f"{connection.vendor} database {settings.get('NAME')} on {settings.get('HOST') or 'localhost'}"


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def serve(host: str, port: int) -> int:
    from waitress import serve as waitress_serve

    from rootmap.web.wsgi import application

    print(f"Rootmap is serving on http://{host}:{port}/ (Ctrl+C stops it)", flush=True)
    try:
        waitress_serve(application, host=host, port=port, threads=8, ident="Rootmap",
                       **proxy_options())
    except OSError as error:
        print(f"rootmap: cannot serve on {host}:{port}: {error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover - interactive
        return 0
    return 0


def serve_processes(host: str, port: int, *, workers: int, threads: int) -> int:
    """gunicorn, N processes of `threads` threads each. Each process opens its own database
    connections (the application is loaded after the fork); sessions live in the database,
    so a signed-in person may reach any of them."""
    from django.conf import settings
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    options = {
        "bind": f"{host}:{port}", "workers": workers, "threads": threads,
        "worker_class": "gthread", "accesslog": "-", "errorlog": "-", "proc_name": "rootmap",
        # Rootmap decides whom to believe about X-Forwarded-* (rootmap.web.transport); gunicorn
        # passes the headers through and does not turn them into the request's scheme itself.
        "forwarded_allow_ips": "127.0.0.1", "secure_scheme_headers": {},
        "timeout": 120,  # a slow page is a bug, but a killed worker is a lost answer
        # gthread workers tell the master they are alive from their own loop, not from the
        # request's thread, so `timeout` does not kill a long request (an in-request job on the
        # embedded default). A stop or restart does, after graceful_timeout (gunicorn's 30 s):
        # give in-flight jobs longer; one still running then is failed by the job sweep.
        "graceful_timeout": 120,
    }

    class Rootmap(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> object:  # in each worker process, after the fork
            from rootmap.web.wsgi import application

            return application

    print(f"Rootmap is serving on http://{host}:{port}/ with {workers} processes (gunicorn; "
          "Ctrl+C stops it)", flush=True)
    if getattr(settings, "BEHIND_PROXY", False):
        proxy_options()  # says whose X-Forwarded-* headers are believed
    # The checks before serving opened a connection: no process may inherit it.
    connections.close_all()
    Rootmap().run()
    return 0


def worker_count(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (1 to 64)") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"{value} is not between 1 and 64")
    return value


def proxy_options() -> dict[str, object]:
    """Waitress removes every X-Forwarded-* header unless told otherwise, which behind a TLS
    proxy made each https request look like http (a redirect loop) and every client look
    like the proxy. Behind a proxy, waitress passes them on and Rootmap decides whom to
    believe (rootmap.web.transport: only ROOTMAP_TRUSTED_PROXIES, which may name several
    addresses or networks where waitress takes one)."""
    from django.conf import settings

    if not getattr(settings, "BEHIND_PROXY", False):
        return {}
    print("Behind a reverse proxy: X-Forwarded-For, -Proto and -Host are believed only from "
          + ", ".join(settings.TRUSTED_PROXIES), flush=True)
    return {"clear_untrusted_proxy_headers": False}


def port_number(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (1 to 65535)")
    return value
