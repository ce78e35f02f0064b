"""Patient: the printable reference card, the measured marker size, and photo advice."""

import streamlit as st

from tracker import service
from tracker.reports.card import CAPTURE_ADVICE, RULER_MM, reference_card_pdf
from ui import resources, state, widgets

who = state.actor()
store = resources.store()

st.title("Reference card")
st.write("Put one small card flat on the skin next to the injection site in every photo. "
         "It lets us measure in millimetres and correct the colours.")

st.download_button("Download the card (PDF)", data=lambda: reference_card_pdf(), file_name="reference-card.pdf",
                   mime="application/pdf", type="primary", width="stretch", icon=":material/download:")

st.subheader("Check the print size")
st.markdown(f"Print at **100 % (actual size)**, not 'fit to page'. Measure the **{RULER_MM:.0f} mm line** on "
            "the page with a ruler: it should be exactly that long. Then measure the black square of one card.")
saved = None
with widgets.friendly_errors():
    saved = service.list_patients(store, who)[0].marker_mm
current = saved if saved is not None else service.DEFAULT_MARKER_MM
measured = st.number_input("The black square measures (mm)", min_value=5.0, max_value=60.0, step=0.1,
                           format="%.1f", value=float(current))
if measured != current:
    with widgets.friendly_errors():
        service.set_marker_size(store, who, patient_id=who.patient_id, marker_mm=measured)
        st.success(f"Saved: your photos will be measured with a {measured:.1f} mm card.", icon=":material/check:")
elif saved is not None:
    st.caption(f"Your photos are measured with a {saved:.1f} mm card.")

st.subheader("Taking a good photo")
for line in CAPTURE_ADVICE:
    st.markdown(f"- {line}")
