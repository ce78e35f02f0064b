"""Reports: the printable reference card, trend charts, the PDF report and the CSV export.

Pure functions that take plain values and return bytes or chart objects; no
database, no Streamlit. Import the submodules directly (``tracker.reports.card``,
``.charts``, ``.pdf``, ``.csv_export``); this package imports nothing heavy.
"""
