"""Patient: the daily check-in. Site, injection time (asked first when missing), photo, symptoms."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import streamlit as st

from tracker import service
from tracker.reports.card import CAPTURE_ADVICE
from tracker.triage.symptoms import SYMPTOMS
from ui import present, resources, state, widgets

PHOTO_TYPES = ["jpg", "jpeg", "png", "heic", "heif", "webp"]
COSMETIC = ("drooping_eyelid_or_brow", "asymmetry")
CHOOSE, CAMERA = "Choose or take a photo", "Use the camera here"

who = state.actor()
store = resources.store()
round_ = st.session_state[state.CHECKIN_ROUND]

st.title("Daily check-in")
widgets.flash_message()
timeline = widgets.timeline_or_stop(store, who, who.patient_id)

choices = present.site_choices(timeline)
site = None
if not choices:
    st.info("Your clinic has not recorded your treatment yet. You can still report how you feel below; "
            "ask your clinic to add the treatment so your photos can be measured.")
elif len(choices) == 1:
    site = choices[0]
    st.write(f"**{site.label}**")
else:
    site = st.selectbox("Which injection site?", choices, format_func=lambda c: c.label)

# -- the whole assessment counts from the injection time: ask it first --------------------
if site is not None and site.treatment.injected_at is None:
    st.subheader("When was your injection?")
    st.write("Everything we measure is compared with the usual course since the injection, so we need "
             "to know when it was.")
    today = datetime.now(ZoneInfo(timeline.patient.timezone))
    day = st.date_input("Day of the injection", value=today.date(), max_value=today.date(), format="DD/MM/YYYY")
    hour = st.time_input("About what time?", value=time(today.hour, 0), step=900)
    if st.button("Save the injection time", type="primary", width="stretch"):
        with widgets.friendly_errors():
            service.set_injection_time(store, who, treatment_id=site.treatment.id,
                                       injected_at=datetime.combine(day, hour))
            state.flash("Injection time saved. Now take today's photo.")
            st.rerun()
    st.stop()

# -- the photo ------------------------------------------------------------------------
photo = None
if site is not None:
    st.subheader("1. Today's photo")
    with st.expander("How to take a good photo", icon=":material/lightbulb:"):
        for line in CAPTURE_ADVICE:
            st.markdown(f"- {line}")
        st.markdown("- No card yet? Print one from **Reference card**.")
    how = st.segmented_control("How", [CHOOSE, CAMERA], default=CHOOSE, label_visibility="collapsed",
                               key=f"how_{round_}", width="stretch")
    if how == CAMERA:
        photo = st.camera_input("Take the photo with the card next to the site", key=f"camera_{round_}",
                                resolution="1080p")
    else:
        photo = st.file_uploader("Photo of the site with the card (JPEG, PNG, HEIC or WebP)", type=PHOTO_TYPES,
                                 key=f"upload_{round_}")

# -- symptoms -------------------------------------------------------------------------
st.subheader("2. How does it feel?" if site is not None else "How does it feel?")
st.caption("Tick anything you notice today. Leave everything empty if all is fine.")
ticked: list[str] = []
local = [k for k, s in SYMPTOMS.items() if not s.emergency and k not in COSMETIC]
for key in local + list(COSMETIC):
    if st.checkbox(SYMPTOMS[key].label, key=f"sym_{key}_{round_}"):
        ticked.append(key)

with st.container(border=True, key="emergency_box"):
    st.markdown("**:red[:material/emergency: Get help now if you have any of these]**")
    emergency = [k for k, s in SYMPTOMS.items() if s.emergency]
    for key in emergency:
        if st.checkbox(SYMPTOMS[key].label, key=f"sym_{key}_{round_}"):
            ticked.append(key)
if any(SYMPTOMS[k].emergency for k in ticked):
    widgets.emergency_banner()

# -- send -----------------------------------------------------------------------------
st.subheader("3. Send")
label = "Send my check-in" if photo is not None else "Send without a photo"
if st.button(label, type="primary", width="stretch", key="send"):
    if site is not None and photo is None and not ticked:
        st.warning("Add today's photo first (or tick a symptom to report it without a photo).")
        st.stop()
    with widgets.friendly_errors(), st.spinner("Measuring your photo..."):
        if photo is not None:
            result = service.ingest_photo(store, who, site_id=site.site_id, source=photo.getvalue(),
                                          name=photo.name, symptoms=ticked)
            st.session_state[state.RESULT_PHOTO] = result.photo.id
            if result.duplicate:
                state.flash("You had already sent this photo; here is its result.")
        else:
            service.record_symptoms(store, who, patient_id=who.patient_id, symptoms=ticked,
                                    site_id=site.site_id if site else None)
            st.session_state[state.RESULT_PHOTO] = None
            state.flash("Thank you: your symptoms were sent to your clinic.")
        st.session_state[state.CHECKIN_ROUND] = round_ + 1
        st.switch_page("ui/pages/result.py")
