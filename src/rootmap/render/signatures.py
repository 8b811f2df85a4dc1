"""Who signed an assessment, printed on every report of it (decision 0022).

The web application passes the signature and, once a supervisor has co-signed, the
co-signature; a report made from a case file alone (the command line) knows no signer
and prints none. Names, roles and the organisation are as recorded when signing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rootmap.render._format import esc


@dataclass(frozen=True, slots=True)
class Signature:
    what: str          # "Signed" or "Co-signed (supervisor review)"
    name: str
    role: str
    organisation: str
    signed_at: str     # date and time as shown, with its time zone


def signatures_section(signatures: Sequence[Signature]) -> str:
    if not signatures:
        return ""
    rows = "".join(
        f"<tr><th>{esc(s.what)}</th><td><bdi>{esc(s.name)}</bdi>, {esc(s.role)}, "
        f"<bdi>{esc(s.organisation)}</bdi>, {esc(s.signed_at)}</td></tr>"
        for s in signatures
    )
    return ("<section class='rm-signatures rm-keep'><h2>Signatures</h2>"
            f"<table class='rm-facts'><colgroup><col style='width:32%'><col style='width:68%'></colgroup>"
            f"{rows}</table></section>")
