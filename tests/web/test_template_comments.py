"""Django's {# #} comment is one line only: one spread over lines is printed on the page as
text (QA found the entry page's Documents section showing its template's note to developers)."""

from __future__ import annotations

from pathlib import Path

import rootmap.web

TEMPLATES = sorted(Path(rootmap.web.__file__).parent.rglob("templates/**/*.html"))


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) > 20


def test_no_template_comment_spans_lines() -> None:
    spread = [f"{path.relative_to(Path(rootmap.web.__file__).parent)}:{n}"
              for path in TEMPLATES
              for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
              if "{#" in line and "#}" not in line.split("{#", 1)[1]]
    assert spread == [], "use {% comment %} for a note over several lines: " + ", ".join(spread)
