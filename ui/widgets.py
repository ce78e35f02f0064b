"""Drawing helpers shared by the pages: level banners, disclaimers, photos, errors."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from tracker.errors import TrackerError
from tracker.store import Store
from tracker.store.views import Actor, AssessmentView
from ui import text

log = logging.getLogger("tracker.ui")

#: Phone-first: large touch targets, readable type, no wasted margins on a 390 px screen.
_CSS = """
<style>
  .block-container {padding-top: 1.2rem; padding-left: 1rem; padding-right: 1rem; max-width: 60rem;}
  .stButton button, .stDownloadButton button, .stFormSubmitButton button, .stLinkButton a
      {min-height: 3rem; font-size: 1.05rem; padding-left: 1.1rem; padding-right: 1.1rem;}
  .stCheckbox label {min-height: 2.6rem; align-items: center;}
  .stCheckbox label p {font-size: 1.05rem;}
  .level-banner {border-radius: .6rem; padding: .9rem 1rem; color: #fff; margin: .2rem 0 .6rem 0;}
  .level-banner .lv-title {font-size: 1.35rem; font-weight: 700; line-height: 1.3;}
  .level-banner .lv-sub {font-size: .95rem; opacity: .95;}
  .level-badge {display: inline-block; border-radius: 1rem; padding: .1rem .65rem; color: #fff;
      font-weight: 600; font-size: .9rem; white-space: nowrap;}
  .st-key-nav_bar {border-bottom: 1px solid #e0e0e0; padding-bottom: .3rem;}
  .st-key-nav_bar a {min-height: 2.75rem; border: 1px solid #d0d7de; border-radius: .5rem; padding: 0 .6rem;
      background: #fafafa;}
  .emergency-box {border: 3px solid #c62828; border-radius: .6rem; padding: .6rem .8rem .2rem .8rem;
      background: #fff5f5;}
</style>
"""


def nav_bar(pages: list, who: Actor) -> None:
    """The user's pages as a row of large links (wrapping on a phone), and who is signed in."""
    with st.container(horizontal=True, gap="small", key="nav_bar"):
        for page in pages:
            st.page_link(page, label=page.title, icon=page.icon)
    st.caption(f"Signed in as {who.display_name or who.username}")


def single_sign_on_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section for ``st.login`` (OIDC)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file: the embedded default, nothing external
        return False


def page_style() -> None:
    """The app-wide CSS (called once per run by ``app.py``)."""
    st.html(_CSS)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Show an error of the core as a plain message, never a traceback.

    Streamlit's own control flow (``st.rerun``, ``st.switch_page``, ``st.stop``) derives
    from ``BaseException`` and passes through untouched.
    """
    try:
        yield
    except Exception as error:  # noqa: BLE001 (a person must never see a traceback)
        if not isinstance(error, TrackerError):
            log.exception("unexpected error in the app")
        st.error(text.friendly_error(error), icon=":material/error:")


def timeline_or_stop(store: Store, who: Actor, patient_id: int | None):
    """The patient's records (``service.timeline``); on a refusal or error, the message and stop."""
    from tracker import service

    with friendly_errors():
        return service.timeline(store, who, patient_id if patient_id is not None else -1)
    st.stop()


def flash_message() -> None:
    """The message the previous page left (e.g. "Injection time saved"), once."""
    from ui import state

    if (message := state.flash()) is not None:
        st.success(message, icon=":material/check:")


def level_banner(level: str | None, *, detail: str | None = None) -> None:
    """The level in plain words, with its colour and icon (and the words, for colour-blind readers)."""
    lv = text.level_text(level)
    sub = f'<div class="lv-sub">{html.escape(detail)}</div>' if detail else ""
    fg = "#212121" if lv.key == "monitor" else "#fff"
    st.markdown(
        f'<div class="level-banner" style="background:{lv.hex};color:{fg}" role="status">'
        f'<div class="lv-title">{lv.emoji} {html.escape(lv.headline)}</div>{sub}</div>',
        unsafe_allow_html=True,
    )


def level_badge_html(level: str | None) -> str:
    lv = text.level_text(level)
    fg = "#212121" if lv.key == "monitor" else "#fff"
    return f'<span class="level-badge" style="background:{lv.hex};color:{fg}">{lv.emoji} {lv.badge}</span>'


def disclaimer(assessment: AssessmentView | None = None) -> None:
    """"Not a diagnosis": shown wherever a level or a flag is shown."""
    words = (assessment.disclaimer if assessment is not None else None) or text.DISCLAIMER
    st.caption(f":material/info: {words}")


def emergency_banner() -> None:
    st.error(f"**{text.EMERGENCY_BANNER}**", icon=":material/emergency:")


def reasons(assessment: AssessmentView, *, clinician: bool = False) -> None:
    """Why: each reason in patient language (clinicians: their text and the guidance point)."""
    for r in assessment.reasons:
        if clinician:
            src = f" **[{r.source}]**" if r.source else ""
            st.markdown(f"-{src} {r.clinician_text or r.text}")
        else:
            st.markdown(f"- {r.text}")


def advice(assessment: AssessmentView) -> None:
    for line in assessment.advice or ():
        st.markdown(f"- {line}")


def chart(layers) -> None:
    """An Altair chart as wide as the page."""
    st.altair_chart(layers.properties(width="container"), width="stretch")


def photo_or_note(data: bytes | None, caption: str, *, note: str = "No photo") -> None:
    if data:
        st.image(data, caption=caption, width="stretch")
    else:
        st.info(note)


def patient_picker(store: Store, who: Actor) -> int | None:
    """A clinician's choice of patient (``?patient=ID`` or the last one opened preselected)."""
    from tracker import service
    from ui import state

    patients = service.list_patients(store, who)
    if not patients:
        st.info("No patients yet. Add one on **Add patient**.")
        return None
    asked = st.query_params.get("patient")
    wanted = int(asked) if asked and asked.isdigit() else st.session_state.get(state.PATIENT)
    ids = [p.id for p in patients]
    if wanted is not None and wanted not in ids:
        # Not one of this clinic's patients: ask the service, which refuses and audits it.
        service.timeline(store, who, wanted)
    chosen = st.selectbox("Patient", patients, index=ids.index(wanted) if wanted in ids else 0,
                          format_func=lambda p: p.display_name)
    st.session_state[state.PATIENT] = chosen.id
    return chosen.id
