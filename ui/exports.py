"""The Export page's files, built on demand: the PDF report and the CSV of one patient.

No Streamlit here: Streamlit calls these when the download button is pressed, and
tests call them directly.
"""

from __future__ import annotations

from datetime import datetime, timezone

from tracker import service
from tracker.errors import NotFoundError
from tracker.reports.csv_export import measurements_csv
from tracker.reports.pdf import patient_report_pdf
from tracker.store import Store
from tracker.store.views import Actor
from ui import present


def report_pdf(store: Store, actor: Actor, patient_id: int, site_id: int | None = None, *,
               clinic: str | None = None, now: datetime | None = None) -> bytes:
    """The patient report of one site (default: the site of the latest photo), photos with outlines."""
    timeline = service.timeline(store, actor, patient_id)
    site_id = site_id if site_id is not None else present.busiest_site(timeline)
    overlays = {}
    for entry in present.site_entries(timeline, site_id):
        try:
            overlays[entry.photo.id] = service.read_photo(store, actor, entry.photo.id, kind="overlay")
        except NotFoundError:
            overlays[entry.photo.id] = service.read_photo(store, actor, entry.photo.id, kind="thumbnail")
    report = present.report_input(timeline, site_id, overlays, clinic=clinic,
                                  now=now or datetime.now(timezone.utc))
    return patient_report_pdf(report)


def measurements_csv_bytes(store: Store, actor: Actor, patient_id: int) -> bytes:
    """Every photo of the patient, one CSV line each (formula-guarded by the reports module)."""
    timeline = service.timeline(store, actor, patient_id)
    rows = [r for r in (present.report_row(e) for e in timeline.entries) if r is not None]
    return measurements_csv(rows)
