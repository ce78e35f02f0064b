"""Sign out: forget the session and go back to the sign-in page."""

import streamlit as st

from ui import state, widgets

state.sign_out()
if widgets.single_sign_on_configured() and st.user.is_logged_in:
    st.logout()
st.rerun()
