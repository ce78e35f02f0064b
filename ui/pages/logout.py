"""Sign out: forget the session and go back to the sign-in page."""

import streamlit as st

from ui import state

state.sign_out()
st.rerun()
