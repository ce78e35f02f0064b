"""Clinician: the PDF report and the CSV of a patient's measurements."""

import streamlit as st

from ui import exports, resources, state, widgets

who = state.actor()
store = resources.store()

st.title("Export")
patient_id = None
with widgets.friendly_errors():
    patient_id = widgets.patient_picker(store, who)
if patient_id is None:
    st.stop()

st.write("The report has the treatment, the current level with every reason and its guidance point, the "
         "trend charts, the photos with their outlines, the measurement table, your notes and the disclaimer.")
st.download_button("Download the PDF report", data=lambda: exports.report_pdf(store, who, patient_id),
                   file_name=f"report-patient-{patient_id}.pdf", mime="application/pdf", type="primary",
                   width="stretch", icon=":material/picture_as_pdf:", key="pdf")
st.download_button("Download the measurements (CSV)",
                   data=lambda: exports.measurements_csv_bytes(store, who, patient_id),
                   file_name=f"measurements-patient-{patient_id}.csv", mime="text/csv", width="stretch",
                   icon=":material/table:", key="csv")
widgets.disclaimer()
