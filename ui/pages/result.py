"""Patient: the answer to a check-in. Level, why (with the figures), what to do, the photos."""

import streamlit as st

from tracker import service
from ui import present, resources, state, text, widgets

who = state.actor()
store = resources.store()

st.title("Your result")
widgets.flash_message()
timeline = widgets.timeline_or_stop(store, who, who.patient_id)

entry = present.latest_entry(timeline, st.session_state[state.RESULT_PHOTO])
assessment = present.current_assessment(timeline, entry.photo.site_id if entry else None)
if entry is None and assessment is None:
    st.info("No check-in yet. Take today's photo on **Check in**.")
    st.page_link("ui/pages/checkin.py", label="Check in now", icon=":material/photo_camera:")
    st.stop()

hours = entry.hours_since_injection if entry else None
detail = " · ".join(x for x in (entry.site_name if entry else None, text.fmt_days(hours) if entry else None,
                                text.fmt_when(entry.photo.taken_at) if entry else None) if x)
widgets.level_banner(assessment.level if assessment else None, detail=detail or None)
if assessment is not None and assessment.level == "urgent":
    widgets.emergency_banner()

measurement = entry.measurement if entry else None
if measurement is not None and not measurement.usable:
    with st.container(border=True):
        st.markdown("**:orange[:material/photo_camera: We could not measure this photo]**")
        for line in measurement.measurement.quality.advice:
            st.markdown(f"- {line}")
        st.caption("Your photo is kept with your records. A new photo gives a measurement.")
        if st.button("Retake the photo", type="primary", width="stretch", icon=":material/replay:"):
            st.switch_page("ui/pages/checkin.py")
elif measurement is not None and not measurement.measurement.scaled:
    advice = [a for p, a in zip(measurement.measurement.quality.problems, measurement.measurement.quality.advice)]
    st.warning(" ".join(advice) or "The reference card was not found, so sizes are not in millimetres.",
               icon=":material/straighten:")
elif measurement is not None and measurement.measurement.quality.advice:
    # measured, with a limit worth knowing (parts washed out, strong compression)
    st.info(" ".join(measurement.measurement.quality.advice), icon=":material/info:")

st.subheader("Why")
previous = present.previous_entry(timeline, entry) if entry else None
if measurement is not None and measurement.usable:
    before = previous.measurement if previous else None
    sentence = text.comparison_sentence(
        measurement.area_mm2, before.area_mm2 if before else None,
        before_label=text.before_label(hours, previous.hours_since_injection if previous else None,
                                       previous.photo.taken_at if previous else None))
    if sentence:
        st.markdown(f"**{sentence}**")
if assessment is not None:
    widgets.reasons(assessment)

st.subheader("What to do")
if assessment is not None:
    widgets.advice(assessment)

if entry is not None:
    st.subheader("Your photos")
    left, right = st.columns(2)
    with left, widgets.friendly_errors():
        kind = "overlay" if entry.photo.has_overlay else "image"
        widgets.photo_or_note(service.read_photo(store, who, entry.photo.id, kind=kind),
                              f"Today ({text.fmt_when(entry.photo.taken_at)}): outlined what was measured")
    with right, widgets.friendly_errors():
        if previous is None:
            st.info("Your earlier photo will show here from your second check-in.")
        else:
            kind = "overlay" if previous.photo.has_overlay else "image"
            widgets.photo_or_note(service.read_photo(store, who, previous.photo.id, kind=kind),
                                  f"Before ({text.fmt_when(previous.photo.taken_at)})")
    st.caption("Amber outline: redness. Blue outline: bruise. White circle: a bump. Green: the card.")

widgets.disclaimer(assessment)
st.page_link("ui/pages/history.py", label="See all my photos and the trend", icon=":material/timeline:")
