"""Patient: my photos and a simple chart of size and redness over the days since injection."""

import streamlit as st

from tracker import service
from tracker.reports.charts import trend_chart
from ui import present, resources, state, text, widgets

who = state.actor()
store = resources.store()
asked = st.query_params.get("patient")

st.title("My history")
timeline = widgets.timeline_or_stop(store, who, int(asked) if asked and asked.isdigit() else who.patient_id)
if not timeline.entries:
    st.info("No photos yet. Your photos and their trend will show here after your first check-in.")
    st.stop()

site_id = present.busiest_site(timeline)
entries = present.site_entries(timeline, site_id)
rows = present.chart_rows(entries)
widgets.chart(trend_chart(rows, bands=present.expected_band(entries), metric="area_mm2", height=200))
widgets.chart(trend_chart(rows, metric="mean_delta_a", height=160))
widgets.disclaimer(present.current_assessment(timeline, site_id))

st.subheader("Photos")
st.caption("Newest first.")
with st.container(horizontal=True, gap="small"):
    for entry in reversed(entries):
        with widgets.friendly_errors():
            m = entry.measurement
            figure = text.fmt_area_short(m.area_mm2, m.area_px) if m and m.usable else "not measured"
            st.image(service.read_photo(store, who, entry.photo.id, kind="thumbnail"),
                     caption=f"{text.fmt_days(entry.hours_since_injection)}: {figure}", width=160)
