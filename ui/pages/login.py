"""Sign in with a clinic login, or sign up with an invite code from the clinic."""

import streamlit as st

from tracker import service
from ui import resources, state, widgets

st.title("Injection site tracker")
st.write("A daily photo of your injection site, measured and compared with the usual healing course.")

if widgets.single_sign_on_configured() and not st.user.is_logged_in:
    # A deployment with an identity provider: its sign-in first, then the clinic login.
    st.button("Sign in with your organisation", on_click=st.login, type="primary", width="stretch")
    st.stop()

with st.form("sign_in"):
    username = st.text_input("Username", autocomplete="username")
    password = st.text_input("Password", type="password", autocomplete="current-password")
    submitted = st.form_submit_button("Sign in", type="primary", width="stretch")
if submitted:
    with widgets.friendly_errors():
        state.sign_in(service.authenticate(resources.store(), username, password))
        st.rerun()

with st.expander("I have an invite code from my clinic"):
    with st.form("invite"):
        code = st.text_input("Invite code")
        name = st.text_input("Your name")
        new_username = st.text_input("Choose a username", autocomplete="username")
        new_password = st.text_input(f"Choose a password (at least {service.MIN_PASSWORD_LENGTH} characters)", type="password",
                                     autocomplete="new-password")
        joined = st.form_submit_button("Create my login", width="stretch")
    if joined:
        with widgets.friendly_errors():
            state.sign_in(service.redeem_invite(resources.store(), code.strip(), username=new_username,
                                                password=new_password, display_name=name or None))
            st.rerun()

st.caption("Your photos stay with your clinic. This tool does not diagnose; it tells you when to contact "
           "your injector or seek care.")
