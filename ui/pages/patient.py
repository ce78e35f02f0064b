"""Clinician: one patient. Flags with their guidance points, photo timeline at one mm scale,
two days side by side, trend charts with the expected course, symptoms, notes, acknowledge."""

from datetime import datetime

import streamlit as st

from tracker import service
from tracker.reports.charts import trend_chart
from tracker.errors import NotFoundError
from ui import present, resources, state, text, widgets

who = state.actor()
store = resources.store()

st.title("Patient")
patient_id = timeline = None
with widgets.friendly_errors():
    patient_id = widgets.patient_picker(store, who)
    if patient_id is not None:
        timeline = service.timeline(store, who, patient_id)
if timeline is None:
    st.stop()

sites = present.site_choices(timeline)
site_id = present.busiest_site(timeline) or (sites[0].site_id if sites else None)
if len(sites) > 1:
    ids = [s.site_id for s in sites]
    site_id = st.selectbox("Injection site", ids, index=ids.index(site_id) if site_id in ids else 0,
                           format_func=lambda i: next(s.label for s in sites if s.site_id == i))
treatment = next((s.treatment for s in sites if s.site_id == site_id), None)
entries = present.site_entries(timeline, site_id)
current = present.current_assessment(timeline, site_id)

# -- level, reasons, acknowledge -------------------------------------------------------
widgets.level_banner(current.level if current else None,
                     detail=(f"{treatment.product} · {', '.join(treatment.areas) or 'site'} · injected "
                             f"{text.fmt_when(treatment.injected_at)}") if treatment else None)
if treatment is not None and treatment.injected_at is None:
    st.warning("The injection time is not set: hours since injection are unknown.", icon=":material/schedule:")
    when = st.datetime_input("Injection time", value=datetime.now().replace(minute=0, second=0, microsecond=0))
    if st.button("Save the injection time"):
        with widgets.friendly_errors():
            service.set_injection_time(store, who, treatment_id=treatment.id, injected_at=when)
            st.rerun()
if current is not None:
    st.markdown("**Why** (each reason with its guidance point)")
    widgets.reasons(current, clinician=True)
    if not current.reasons:
        st.caption("No rule fired.")
    if current.acknowledged_at is None:
        if st.button("Acknowledge", type="primary", icon=":material/done_all:", key="ack"):
            with widgets.friendly_errors():
                for a in present.open_assessments(timeline):
                    service.acknowledge_flag(store, who, a.id)
                st.rerun()
    else:
        st.caption(f":material/done_all: Acknowledged {text.fmt_when(current.acknowledged_at)}")
widgets.disclaimer(current)

# -- charts ---------------------------------------------------------------------------
if entries:
    rows = present.chart_rows(entries)
    flags = present.flag_marks(entries)
    widgets.chart(trend_chart(rows, bands=present.expected_band(entries), flags=flags, metric="area_mm2",
                              height=220))
    widgets.chart(trend_chart(rows, flags=flags, metric="mean_delta_a", height=180))

# -- photo timeline, rectified to one mm scale ------------------------------------------
views: dict[int, object] = {}
if entries:
    st.subheader("Photos at one scale")
    st.caption(f"Each photo re-projected onto the skin at the same scale ({present.RECTIFIED_SIZE_MM:.0f} mm "
               "across), centred on the red area. Photos without the card are shown as taken.")
    centre = present.series_centre(entries)
    for entry in entries:
        with widgets.friendly_errors():
            try:
                data = service.read_photo(store, who, entry.photo.id, kind="overlay")
            except NotFoundError:
                data = service.read_photo(store, who, entry.photo.id, kind="image")
            views[entry.photo.id] = present.rectified(data, entry, centre_mm=centre) if entry.photo.has_overlay \
                else None
            if views[entry.photo.id] is None:
                views[entry.photo.id] = data
    labels = {e.photo.id: f"{text.fmt_days(e.hours_since_injection)} · "
              f"{text.fmt_area(e.measurement.area_mm2, e.measurement.area_px) if e.measurement and e.measurement.usable else 'not measured'}"
              for e in entries}
    strip = [e for e in entries if e.photo.id in views]
    st.image([views[e.photo.id] for e in strip], caption=[labels[e.photo.id] for e in strip], width=150)

    st.subheader("Compare two days")
    ids = [e.photo.id for e in strip]
    left, right = st.columns(2)
    with left:
        a = st.selectbox("First", ids, index=0, format_func=labels.get, key="cmp_a")
        st.image(views[a], width="stretch")
    with right:
        b = st.selectbox("Second", ids, index=len(ids) - 1, format_func=labels.get, key="cmp_b")
        st.image(views[b], width="stretch")

# -- symptoms and notes ---------------------------------------------------------------
st.subheader("Symptom log")
if not timeline.symptoms:
    st.caption("No symptoms reported.")
for s in reversed(timeline.symptoms):
    names = ", ".join(("**:red[" + text.symptom_label(k) + "]**") if k in text.EMERGENCY else text.symptom_label(k)
                      for k in s.symptoms) or "nothing ticked"
    st.markdown(f"- {text.fmt_when(s.reported_at)}: {names}" + (f" — “{s.note}”" if s.note else ""))

st.subheader("Notes")
for n in timeline.notes:
    st.markdown(f"- {text.fmt_when(n.created_at)}, {n.author_name or 'clinician'}: {n.text}")


def save_note(assessment_id: int | None) -> None:
    with widgets.friendly_errors():
        service.add_note(store, who, patient_id=patient_id, text=st.session_state[state.NOTE],
                         assessment_id=assessment_id)
        st.session_state[state.NOTE] = ""


st.text_area("Add a note", key=state.NOTE, placeholder="e.g. Called the patient; advised a cold compress.")
st.button("Save note", icon=":material/note_add:", on_click=save_note, args=(current.id if current else None,))
