"""HTML to PDF through WeasyPrint, imported lazily: only report commands pay for it.

Reports are self-contained (inline CSS and SVG, system fonts), so the URL fetcher refuses
every request: a report never loads anything, from the network or from disk.
"""

from __future__ import annotations

from typing import Any, NoReturn


def _refuse(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"reports load no external resources (refused {url[:80]!r})")


def html_to_pdf(html: str) -> bytes:
    """Render a complete HTML document to PDF bytes."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # WeasyPrint ships no type hints

    pdf = HTML(string=html, url_fetcher=_refuse).write_pdf()
    assert pdf is not None  # write_pdf returns bytes when no target is given
    return bytes(pdf)
