"""Clinician: add a patient (with a login, or an invite code) and record a treatment."""

from datetime import datetime

import streamlit as st

from tracker import service
from ui import resources, state, widgets

who = state.actor()
store = resources.store()

st.title("Add patient")
with st.form("new_patient", clear_on_submit=True):
    name = st.text_input("Patient's name")
    how = st.radio("Login", ["Give an invite code (the patient chooses a password)",
                             "Set a username and password now"])
    username = st.text_input("Username (only when setting it now)")
    password = st.text_input("Password (only when setting it now)", type="password")
    added = st.form_submit_button("Add patient", type="primary", width="stretch")
if added:
    with widgets.friendly_errors():
        if how.startswith("Set"):
            patient = service.register_patient(store, who, display_name=name, username=username,
                                               password=password)
            st.success(f"{patient.display_name} can now sign in as **{username.strip().lower()}**.")
        else:
            patient = service.register_patient(store, who, display_name=name)
            invite = service.create_invite(store, who, patient_id=patient.id)
            st.success(f"Invite code for {patient.display_name}: **{invite.code}** (valid until "
                       f"{invite.expires_at:%d %b %Y}). It is shown only once.")
        st.session_state[state.PATIENT] = patient.id

st.subheader("Record a treatment")
patient_id = None
with widgets.friendly_errors():
    patient_id = widgets.patient_picker(store, who)
if patient_id is not None:
    with st.form("treatment", clear_on_submit=True):
        product = st.selectbox("Product", ["Botox", "Dysport", "Xeomin", "Other"])
        units = st.number_input("Units", min_value=1.0, max_value=500.0, value=20.0, step=1.0)
        areas = st.text_input("Treated areas (comma-separated; one photo site each)", value="forehead")
        known = st.checkbox("The injection time is known", value=True)
        when = st.datetime_input("Injection time", value=datetime.now().replace(second=0, microsecond=0))
        saved = st.form_submit_button("Save treatment", width="stretch")
    if saved:
        with widgets.friendly_errors():
            t = service.record_treatment(store, who, patient_id=patient_id, product=product, units=units,
                                         areas=[a for a in areas.split(",")], injected_at=when if known else None)
            st.success(f"Saved: {t.product}, {', '.join(s.name for s in t.sites)}.")
