"""Issue 10: production refuses weak settings; demo and development use random keys per
database. Each case runs the settings in a fresh process with a chosen environment."""

from __future__ import annotations

import json
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rootmap.web.weak_settings import key_problem

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED_DEFAULT = "insecure-development-key-never-use-in-production"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ROOTMAP_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update(ROOTMAP_SECRET_KEY=secrets.token_urlsafe(64),
               ROOTMAP_AUDIT_KEY=secrets.token_urlsafe(40),
               ROOTMAP_PSEUDONYM_KEY=secrets.token_hex(24),
               ROOTMAP_ALLOWED_HOSTS="rootmap.example.org",
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def _check(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """`rootmap manage check`: Django set up with these settings, as `rootmap serve` does."""
    return subprocess.run([sys.executable, "-m", "rootmap", "manage", "check"], cwd=tmp_path,
                          env=_env(tmp_path, **extra), capture_output=True, text=True, timeout=120)


def _print_settings(tmp_path: Path, expression: str, **extra: str) -> str:
    code = ("import os; os.environ['DJANGO_SETTINGS_MODULE']='rootmap.web.settings'; import django; "
            "django.setup(); from django.conf import settings; from rootmap.web import keys; "
            f"print({expression})")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=_env(tmp_path, **extra),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_strong_production_settings_start(tmp_path):
    result = _check(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "weak settings" not in result.stderr


@pytest.mark.parametrize(("setting", "value", "named"), [
    ("ROOTMAP_REQUIRE_2FA", "0", "ROOTMAP_REQUIRE_2FA is off"),
    ("ROOTMAP_LOCKOUT", "off", "ROOTMAP_LOCKOUT is off"),
    ("ROOTMAP_SECRET_KEY", "a" * 64, "ROOTMAP_SECRET_KEY is too predictable"),
    ("ROOTMAP_SECRET_KEY", "abcdefghij" * 6, "ROOTMAP_SECRET_KEY is too predictable"),
    ("ROOTMAP_SECRET_KEY", PUBLISHED_DEFAULT + "-really", "ROOTMAP_SECRET_KEY is a published example"),
    ("ROOTMAP_SECRET_KEY", "the secret key of our clinic which nobody will ever guess at all",
     "ROOTMAP_SECRET_KEY looks like words"),
    ("ROOTMAP_AUDIT_KEY", "audit", "ROOTMAP_AUDIT_KEY must be a random string of at least 32"),
    ("ROOTMAP_AUDIT_KEY", "0123456789abcdef" * 3, "ROOTMAP_AUDIT_KEY is too predictable"),
    ("ROOTMAP_PSEUDONYM_KEY", "another key entirely, for another study", "ROOTMAP_PSEUDONYM_KEY looks like words"),
    ("ROOTMAP_PSEUDONYM_KEY", "x" * 40, "ROOTMAP_PSEUDONYM_KEY is too predictable"),
    ("ROOTMAP_BACKUP_KEY", "backup-key-backup-key-backup-key-1", "ROOTMAP_BACKUP_KEY is too predictable"),
])
def test_production_refuses_a_weak_setting_and_names_it(tmp_path, setting, value, named):
    result = _check(tmp_path, **{setting: value})
    assert result.returncode == 2, result.stdout + result.stderr
    assert named in result.stderr
    assert "ROOTMAP_ALLOW_INSECURE" in result.stderr  # says how to accept it deliberately
    assert "Traceback" not in result.stderr


def test_one_key_for_two_ends_is_refused(tmp_path):
    key = secrets.token_urlsafe(64)
    result = _check(tmp_path, ROOTMAP_SECRET_KEY=key, ROOTMAP_AUDIT_KEY=key)
    assert result.returncode == 2
    assert "ROOTMAP_AUDIT_KEY is the same as ROOTMAP_SECRET_KEY" in result.stderr


def test_a_deliberate_override_starts_and_is_logged_with_its_reason(tmp_path):
    result = _check(tmp_path, ROOTMAP_REQUIRE_2FA="0", ROOTMAP_LOCKOUT="0",
                    ROOTMAP_ALLOW_INSECURE="load test on an isolated copy, ticket 42")
    assert result.returncode == 0, result.stderr
    assert "load test on an isolated copy, ticket 42" in result.stderr
    assert "ROOTMAP_REQUIRE_2FA is off" in result.stderr and "ROOTMAP_LOCKOUT is off" in result.stderr
    assert _print_settings(tmp_path, "settings.ROOTMAP_REQUIRE_2FA, len(settings.INSECURE_SETTINGS)",
                           ROOTMAP_REQUIRE_2FA="0", ROOTMAP_ALLOW_INSECURE="a reason") == "False 1"


def test_a_missing_or_short_secret_key_is_refused_even_with_the_override(tmp_path):
    for key in ("", "d8ee587910cd60a7904b3ef1"):
        result = _check(tmp_path, ROOTMAP_SECRET_KEY=key, ROOTMAP_ALLOW_INSECURE="just testing")
        assert result.returncode == 2
        assert "ROOTMAP_SECRET_KEY must be a random string of at least 50 characters" in result.stderr


def test_demo_mode_allows_what_production_refuses(tmp_path):
    assert _print_settings(tmp_path, "settings.ROOTMAP_REQUIRE_2FA", ROOTMAP_DEMO="1",
                           ROOTMAP_SECRET_KEY=None) == "False"


def test_demo_databases_each_get_their_own_random_keys_kept_beside_them(tmp_path):
    expression = "settings.SECRET_KEY, keys.audit_key().hex(), keys.pseudonym_key().hex()"
    unset = dict(ROOTMAP_DEMO="1", ROOTMAP_SECRET_KEY=None, ROOTMAP_AUDIT_KEY=None,
                 ROOTMAP_PSEUDONYM_KEY=None)
    first_db, second_db = tmp_path / "first.sqlite3", tmp_path / "second.sqlite3"
    first = _print_settings(tmp_path, expression, DATABASE_URL=f"sqlite:///{first_db}", **unset)
    again = _print_settings(tmp_path, expression, DATABASE_URL=f"sqlite:///{first_db}", **unset)
    second = _print_settings(tmp_path, expression, DATABASE_URL=f"sqlite:///{second_db}", **unset)
    assert first == again  # the same database keeps its keys (its audit chain still verifies)
    assert set(first.split()).isdisjoint(second.split())  # another database: none in common
    secret = first.split()[0]
    assert secret != PUBLISHED_DEFAULT and key_problem("key", secret, min_length=50) is None
    keys_file = Path(str(first_db) + ".keys")
    assert json.loads(keys_file.read_text())["secret_key"] == secret
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    # Development mode too, never the published default.
    development = _print_settings(tmp_path, "settings.SECRET_KEY", ROOTMAP_DEBUG="1",
                                  DATABASE_URL=f"sqlite:///{tmp_path / 'dev.sqlite3'}", **{
                                      k: v for k, v in unset.items() if k != "ROOTMAP_DEMO"})
    assert development not in (secret, PUBLISHED_DEFAULT)


def test_a_server_databases_demo_keys_do_not_depend_on_the_folder_a_command_runs_in(tmp_path):
    """A command run from another folder once made a new key and signed audit entries with
    it: the database's chain then failed verification for good."""
    from rootmap.web.demo_keys import demo_secret_key

    database = {"ENGINE": "django.db.backends.postgresql", "NAME": "clinic", "HOST": "127.0.0.1",
                "PORT": "5432"}
    here, there, state = tmp_path / "here", tmp_path / "there", tmp_path / "state"
    for folder in (here, there):
        folder.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ROOTMAP_DEMO_KEYS_DIR", str(state))
        first = demo_secret_key(database, here)
        assert demo_secret_key(database, there) == first
        assert demo_secret_key({**database, "NAME": "another"}, here) != first
        kept = next(state.iterdir())
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(state.stat().st_mode) == 0o700
        assert not list(here.iterdir()) and not list(there.iterdir())
        # A keys file an earlier release left in the working folder is adopted, not replaced.
        earlier = here / ".rootmap-demo-127_0_0_1-5432-old.keys"
        earlier.write_text(json.dumps({"secret_key": "k" * 30 + secrets.token_urlsafe(40)}))
        old = {**database, "NAME": "old"}
        adopted = demo_secret_key(old, here)
        assert adopted == json.loads(earlier.read_text())["secret_key"]
        assert demo_secret_key(old, there) == adopted


def test_csrf_origins_default_to_the_allowed_hosts_over_https(tmp_path):
    assert _print_settings(tmp_path, "settings.CSRF_TRUSTED_ORIGINS",
                           ROOTMAP_ALLOWED_HOSTS="rootmap.example.org,.clinic.example") == \
        "['https://rootmap.example.org', 'https://*.clinic.example']"
    assert _print_settings(tmp_path, "settings.CSRF_TRUSTED_ORIGINS",
                           ROOTMAP_CSRF_TRUSTED_ORIGINS="https://other.example:8443") == \
        "['https://other.example:8443']"


def test_a_bad_trusted_proxy_address_is_named(tmp_path):
    result = _check(tmp_path, ROOTMAP_BEHIND_PROXY="1", ROOTMAP_TRUSTED_PROXIES="127.0.0.1,proxy.local")
    assert result.returncode == 2
    assert "ROOTMAP_TRUSTED_PROXIES: 'proxy.local' is not an IP address" in result.stderr


def test_random_keys_pass_the_strength_check():
    """No false alarm on keys made the usual ways (hundreds of each, fresh every run)."""
    for make, size in ((secrets.token_urlsafe, 64), (secrets.token_hex, 32), (secrets.token_hex, 16),
                       (secrets.token_urlsafe, 32)):
        for _ in range(300):
            good = make(size)
            assert key_problem("ROOTMAP_AUDIT_KEY", good, min_length=32) is None, good


def test_a_random_token_of_letters_alone_is_not_taken_for_words():
    # Made by secrets.token_urlsafe(32) once; about 1 in 7,000 such tokens has no digit,
    # underscore or hyphen, and the earlier check called those "words".
    assert key_problem("ROOTMAP_AUDIT_KEY", "VteEfAGRzYmctKizPBeEaZXxkpJctXdBscIhtwzGAcc", min_length=32) is None
    assert key_problem("ROOTMAP_AUDIT_KEY", "VteEfAGRzYmct-KizPBeEaZXxkpJct-XdBscIhtwzGAcc", min_length=32) is None
