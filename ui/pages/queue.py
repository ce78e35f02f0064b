"""Clinician: the triage queue. Most urgent unacknowledged first, then most recent."""

from datetime import datetime, timezone

import streamlit as st

from tracker import service
from ui import resources, state, text, widgets

who = state.actor()
store = resources.store()
now = datetime.now(timezone.utc)

st.title("Triage queue")
queue = ()
with widgets.friendly_errors():
    queue = service.clinician_queue(store, who, limit=50)

missed = [e for e in queue if e.missed_checkin]
if missed:
    with st.container(border=True):
        st.markdown(f"**:orange[:material/schedule: Missed check-ins in the first two weeks ({len(missed)})]**")
        for e in missed:
            last = text.fmt_when(e.last_checkin_at) if e.last_checkin_at else "never"
            st.markdown(f"- **{e.patient_name}**: last check-in {last}")

if not queue:
    st.info("No patients yet. Add one on **Add patient**.")
for e in queue:
    latest = e.latest
    with st.container(border=True, key=f"queue_{e.patient_id}"):
        row = st.container(horizontal=True, vertical_alignment="top", gap="small")
        if latest is not None:
            with row, widgets.friendly_errors():
                st.image(service.read_photo(store, who, latest.photo_id, kind="thumbnail"), width=84)
        with row.container(width="stretch"):
            seen = " · acknowledged" if e.acknowledged else ""
            tags = " · :orange[missed check-in]" if e.missed_checkin else ""
            st.markdown(f"{widgets.level_badge_html(e.level)} **{e.patient_name}**{seen}", unsafe_allow_html=True)
            facts = [text.fmt_since_injection(e.injected_at, now)]
            if latest is not None:
                figure = text.fmt_area(latest.area_mm2, latest.area_px) if latest.usable else "not measurable"
                facts.append(f"latest photo ({text.fmt_days(latest.hours_since_injection)}): {figure}")
                direction = latest.trend_direction
                if direction:
                    pct = latest.trend_pct
                    rate = f" {pct:+.0f}%/day" if pct is not None and direction != "stable" else ""
                    facts.append(f"{text.TREND_ARROWS.get(direction, '')} {direction}{rate}")
            else:
                facts.append("no photo yet")
            st.markdown(" · ".join(facts) + tags)
            for r in e.reasons[:2]:
                st.caption(f"[{r.source}] {r.clinician_text or r.text}")
            if st.button("Open", key=f"open_{e.patient_id}", icon=":material/arrow_forward:"):
                st.session_state[state.PATIENT] = e.patient_id
                st.switch_page("ui/pages/patient.py")
if queue:
    widgets.disclaimer()
