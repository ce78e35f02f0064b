"""The app's entry point: it only routes. ``streamlit run app.py``

Signed out, the only page is the sign-in page; a patient sees the check-in pages and
a clinician the triage pages (``st.navigation`` registers only the user's own pages, and
every page asks ``tracker.service``, which checks the user against each record). The
links are drawn as a row of large buttons at the top of every page (the built-in menu
hides behind a small icon on a phone).
"""

import streamlit as st

from ui import state, widgets

st.set_page_config(page_title="Injection site tracker", page_icon=":material/healing:", layout="centered")
state.init()
widgets.page_style()

who = state.actor()
sign_in = st.Page("ui/pages/login.py", title="Sign in", icon=":material/login:", default=True)
sign_out = st.Page("ui/pages/logout.py", title="Sign out", icon=":material/logout:")
if who is None:
    pages = [sign_in]
elif who.role == "patient":
    pages = [
        st.Page("ui/pages/checkin.py", title="Check in", icon=":material/photo_camera:", default=True),
        st.Page("ui/pages/result.py", title="My result", icon=":material/assignment:"),
        st.Page("ui/pages/history.py", title="My history", icon=":material/timeline:"),
        st.Page("ui/pages/card.py", title="Reference card", icon=":material/qr_code_2:"),
        sign_out,
    ]
else:
    pages = [
        st.Page("ui/pages/queue.py", title="Triage queue", icon=":material/format_list_bulleted:", default=True),
        st.Page("ui/pages/patient.py", title="Patient", icon=":material/person:"),
        st.Page("ui/pages/export.py", title="Export", icon=":material/download:"),
        st.Page("ui/pages/patients.py", title="Add patient", icon=":material/person_add:"),
        sign_out,
    ]
page = st.navigation(pages, position="hidden")
if who is not None:
    widgets.nav_bar(pages, who)
page.run()
