"""Suite-wide reporting: how many hostile inputs the fuzz tests tried, per database."""

from __future__ import annotations

from collections import Counter

from tests.mail import smtp_server  # noqa: F401 (a fixture for every test: a real SMTP server)


def pytest_terminal_summary(terminalreporter) -> None:
    # Recorded by tests/web/test_fuzz_forms.py as user properties, which pytest-xdist
    # carries from its workers; summed over every test's teardown report.
    tried: Counter = Counter()
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "teardown":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name.startswith("hostile_inputs_"):
                    tried[name.removeprefix("hostile_inputs_")] += value
    for vendor, count in sorted(tried.items()):
        terminalreporter.write_line(f"hostile inputs tried on {vendor}: {count}")
