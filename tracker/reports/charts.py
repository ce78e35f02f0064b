"""Trend charts (Altair / Vega-Lite) of one injection site over days since injection.

Input is plain rows, one per photo::

    {"day": 1.5, "area_mm2": 42.0 | None, "mean_delta_a": 8.1, "usable": True,
     "level": "monitor" | None, "problems": ["no_card"]  # optional}

A chart layers, bottom to top: the expected-course band (``bands``: ``{day, low,
high}``), dashed vertical rules at photos that cannot be plotted (unusable, or no
mm² because the card was missing: they are noted, never drawn as zero), the line
and points of the measurement, and flag markers along the top (``flags``:
``{day, level}``). Every mark has a tooltip with its values.

:func:`trend_chart_png` renders the same chart to PNG for the PDF report with
vl-convert (the Vega-Lite compiler and renderer bundled in one wheel, no browser).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import altair as alt

Metric = Literal["area_mm2", "mean_delta_a"]

#: Assessment levels in order of concern, with the colours used everywhere in reports.
LEVEL_COLORS: dict[str, str] = {
    "expected": "#2e7d32",
    "monitor": "#f9a825",
    "contact": "#e65100",
    "urgent": "#c62828",
    "not assessed": "#78909c",
}
METRIC_TITLES: dict[str, str] = {
    "area_mm2": "Red area (mm²)",
    "mean_delta_a": "Mean redness Δa* (how much redder than the surrounding skin)",
}
_AXIS_TITLES: dict[str, str] = {"area_mm2": "Area (mm²)", "mean_delta_a": "Mean Δa*"}
_BAND_COLOR = "#66bb6a"
_NOT_PLOTTED_COLOR = "#9e9e9e"


def trend_chart(rows: Iterable[Mapping[str, Any]], *, bands: Sequence[Mapping[str, float]] | None = None,
                flags: Sequence[Mapping[str, Any]] | None = None, metric: Metric = "area_mm2",
                width: int = 560, height: int = 240) -> alt.LayerChart:
    """A layered trend chart of ``metric`` over days since injection.

    Parameters
    ----------
    rows : iterable of mapping
        One per photo: ``day`` (float days since injection; rows without one are
        left out, as they cannot be placed), ``area_mm2`` (float or None),
        ``mean_delta_a`` (float), ``usable`` (bool), ``level`` (str or None), and
        optionally ``problems`` (list of quality problem keys).
    bands : sequence of mapping, optional
        The expected course of ``metric``: ``{"day", "low", "high"}`` points,
        drawn as a shaded area.
    flags : sequence of mapping, optional
        ``{"day", "level"}`` markers drawn along the top of the chart.
    metric : {"area_mm2", "mean_delta_a"}
        What to plot on the y axis.
    width, height : int
        Size of the plotting area in pixels.

    Returns
    -------
    altair.LayerChart
        ``chart.to_dict()`` gives the Vega-Lite spec; Streamlit shows it with
        ``st.altair_chart``.
    """
    if metric not in METRIC_TITLES:
        raise ValueError(f"metric must be one of {sorted(METRIC_TITLES)}, got {metric!r}")
    plotted, not_plotted = _split_rows(rows, metric)
    x = alt.X("day:Q", title="Days since injection", scale=alt.Scale(zero=True))
    y_scale = _y_scale(plotted, bands)
    layers: list[alt.Chart] = []
    if bands:
        layers.append(_band_layer(bands, x, y_scale, metric))
    if not_plotted:
        layers.append(_not_plotted_layer(not_plotted, x))
    layers.extend(_measurement_layers(plotted, x, y_scale, metric))
    if flags:
        layers.append(_flag_layer(flags, x))
    if not layers:  # nothing at all: an empty frame with the right axes, not an error
        layers.append(alt.Chart(alt.Data(values=[])).mark_point().encode(
            x=x, y=alt.Y("value:Q", title=_AXIS_TITLES[metric])))
    subtitle = _subtitle(bool(bands), bool(flags), not_plotted)
    title = alt.TitleParams(text=METRIC_TITLES[metric], anchor="start",
                            **({"subtitle": subtitle} if subtitle else {}))
    return alt.layer(*layers).properties(width=width, height=height, title=title)


def trend_chart_png(rows: Iterable[Mapping[str, Any]], *, bands: Sequence[Mapping[str, float]] | None = None,
                    flags: Sequence[Mapping[str, Any]] | None = None, metric: Metric = "area_mm2",
                    width: int = 560, height: int = 240, scale: float = 2.0) -> bytes:
    """The :func:`trend_chart` rendered to PNG bytes (``scale`` x pixels, for print).

    Needs the ``vl-convert-python`` package (pinned in requirements.txt).
    """
    import vl_convert  # imported here: a large native module only the PDF path needs

    chart = trend_chart(rows, bands=bands, flags=flags, metric=metric, width=width, height=height)
    spec = chart.to_dict()
    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    version = major_minor if major_minor in vl_convert.get_vegalite_versions() else None
    return bytes(vl_convert.vegalite_to_png(spec, vl_version=version, scale=scale))


def _split_rows(rows: Iterable[Mapping[str, Any]], metric: str) -> tuple[list[dict], list[dict]]:
    """Rows that can be drawn as points, and rows only noted (with the reason)."""
    plotted: list[dict] = []
    not_plotted: list[dict] = []
    for row in rows:
        day = row.get("day")
        if day is None:
            continue
        value = row.get(metric)
        base = {
            "day": float(day),
            "area_mm2": row.get("area_mm2"),
            "mean_delta_a": row.get("mean_delta_a"),
            "level": row.get("level") or "not assessed",
            "photo": "scaled" if row.get("area_mm2") is not None else "unscaled (no card)",
        }
        if not row.get("usable", True):
            problems = ", ".join(p.replace("_", " ") for p in row.get("problems") or ()) or "quality"
            not_plotted.append({**base, "note": f"Not plotted: photo unusable ({problems})"})
        elif value is None:
            not_plotted.append({**base, "note": "Not plotted: no reference card, so no mm²"})
        else:
            plotted.append({**base, "value": float(value)})
    plotted.sort(key=lambda r: r["day"])
    return plotted, not_plotted


def _level_color() -> alt.Color:
    """Colour by assessment level, with the same fixed colours in every chart and legend."""
    return alt.Color("level:N", title="Level",
                     scale=alt.Scale(domain=list(LEVEL_COLORS), range=list(LEVEL_COLORS.values())))


def _tooltip() -> list[alt.Tooltip]:
    return [
        alt.Tooltip("day:Q", title="Day", format=".1f"),
        alt.Tooltip("area_mm2:Q", title="Area (mm²)", format=".1f"),
        alt.Tooltip("mean_delta_a:Q", title="Mean Δa*", format=".1f"),
        alt.Tooltip("level:N", title="Level"),
        alt.Tooltip("photo:N", title="Photo"),
    ]


def _y_scale(plotted: list[dict], bands: Sequence[Mapping[str, float]] | None) -> alt.Scale:
    """From zero to 15 % above the highest value or band, leaving a strip for the flag markers."""
    tops = [r["value"] for r in plotted] + [float(b["high"]) for b in bands or ()]
    top = max(tops, default=0.0)
    return alt.Scale(domain=[0, top * 1.15], nice=True) if top > 0 else alt.Scale(zero=True)


def _band_layer(bands: Sequence[Mapping[str, float]], x: alt.X, y_scale: alt.Scale, metric: str) -> alt.Chart:
    values = sorted(({"day": float(b["day"]), "low": float(b["low"]), "high": float(b["high"])}
                     for b in bands), key=lambda b: b["day"])
    return alt.Chart(alt.Data(values=values)).mark_area(color=_BAND_COLOR, opacity=0.22).encode(
        x=x,
        y=alt.Y("low:Q", title=_AXIS_TITLES[metric], scale=y_scale),
        y2="high:Q",
        tooltip=[alt.Tooltip("day:Q", title="Day", format=".1f"),
                 alt.Tooltip("low:Q", title="Expected from", format=".1f"),
                 alt.Tooltip("high:Q", title="Expected up to", format=".1f")],
    )


def _not_plotted_layer(rows: list[dict], x: alt.X) -> alt.Chart:
    return alt.Chart(alt.Data(values=rows)).mark_rule(
        color=_NOT_PLOTTED_COLOR, strokeDash=[4, 3], strokeWidth=1.5,
    ).encode(x=x, tooltip=[alt.Tooltip("day:Q", title="Day", format=".1f"),
                           alt.Tooltip("note:N", title="Note"),
                           alt.Tooltip("mean_delta_a:Q", title="Mean Δa*", format=".1f")])


def _measurement_layers(rows: list[dict], x: alt.X, y_scale: alt.Scale, metric: str) -> list[alt.Chart]:
    if not rows:
        return []
    base = alt.Chart(alt.Data(values=rows))
    y = alt.Y("value:Q", title=_AXIS_TITLES[metric], scale=y_scale)
    line = base.mark_line(color="#37474f", strokeWidth=1.5).encode(x=x, y=y)
    encoding: dict[str, Any] = {"x": x, "y": y, "color": _level_color(), "tooltip": _tooltip()}
    if any(r["photo"] != "scaled" for r in rows):
        encoding["shape"] = alt.Shape("photo:N", title="Photo",
                                      scale=alt.Scale(domain=["scaled", "unscaled (no card)"],
                                                      range=["circle", "diamond"]))
    points = base.mark_point(filled=True, size=70, opacity=1, stroke="white", strokeWidth=0.8).encode(**encoding)
    return [line, points]


def _flag_layer(flags: Sequence[Mapping[str, Any]], x: alt.X) -> alt.Chart:
    values = [{"day": float(f["day"]), "level": str(f.get("level") or "not assessed")} for f in flags]
    return alt.Chart(alt.Data(values=values)).mark_point(
        shape="triangle-down", filled=True, size=110, opacity=1,
    ).encode(
        x=x,
        y=alt.value(6),
        color=_level_color(),
        tooltip=[alt.Tooltip("day:Q", title="Flag on day", format=".1f"), alt.Tooltip("level:N", title="Level")],
    )


def _subtitle(has_bands: bool, has_flags: bool, not_plotted: list[dict]) -> list[str]:
    """Plain-language key to the marks that have no legend of their own."""
    lines = []
    if has_bands:
        lines.append("Shaded green: the expected course after injection.")
    if has_flags:
        lines.append("Triangles along the top: flags raised, coloured by level.")
    unscaled = sum(1 for r in not_plotted if "no reference card" in r["note"])
    parts = []
    if unscaled:
        parts.append(f"{unscaled} without the card, so no mm²")
    if len(not_plotted) > unscaled:
        parts.append(f"{len(not_plotted) - unscaled} unusable")
    if parts:
        lines.append(f"Dashed lines: photos not plotted ({'; '.join(parts)}).")
    return lines
