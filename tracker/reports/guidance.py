"""One-line titles of the clinical guidance points (G1-G11), for the report.

Short titles of ``shared/clinical-guidance.md`` so a reader of a report can see
what a cited ``source`` such as "G5" stands for without the document at hand.
The thresholds themselves live with the triage rules, not here.
"""

from __future__ import annotations

import re

GUIDANCE_TITLES: dict[str, str] = {
    "G1": "Needle redness is normal and short (hours, up to about a day).",
    "G2": "Pinpoint bruising is common and fades over days (up to about two weeks).",
    "G3": "Mild swelling and small bumps usually settle within a few days.",
    "G4": "Redness still there after a day or two (not a bruise): show the injector.",
    "G5": "Redness getting worse days after injection: possible infection, contact the provider.",
    "G6": "Redness with pain, warmth, tenderness, pus or fever: contact the provider the same day.",
    "G7": "Redness, swelling or pain not subsided after about 3 days: contact the provider.",
    "G8": "A red spot persisting beyond one to two weeks: contact the provider.",
    "G9": "Bumps not gone after a few days, or painful: contact the provider.",
    "G10": "A bruise not faded by about two weeks, or growing: contact the provider.",
    "G11": "Allergic reaction or toxin spread signs: seek emergency care now.",
}


def cited_points(sources: list[str]) -> list[tuple[str, str]]:
    """The guidance points named in ``sources`` (e.g. ``"G5"``, ``"G4, G7"``), in G order, with titles."""
    found = {g.upper() for s in sources for g in re.findall(r"\bG\d{1,2}\b", s or "", flags=re.IGNORECASE)}
    ordered = sorted(found, key=lambda g: int(g[1:]))
    return [(g, GUIDANCE_TITLES.get(g, "See the clinical guidance document.")) for g in ordered]
