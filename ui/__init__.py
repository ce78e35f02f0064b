"""The Streamlit app: the only package that imports streamlit.

``app.py`` routes with ``st.navigation`` over the page files in ``ui/pages``. Pages are
thin: widgets, a call into ``tracker.service``, then rendering with ``ui.widgets``.
Plain-language texts and pure data shaping (no Streamlit) live in ``ui.text`` and
``ui.present`` so they can be tested without a running app.
"""
