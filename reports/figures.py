"""The report's charts (plotly), drawn from the report's tables so a chart shows exactly the table's numbers.

Right to left: plotly has no RTL switch, so in Arabic each chart is mirrored by hand — the
category axis runs from the right (`autorange="reversed"`), the value axis stands on the
right (`side="right"`), titles and legends are anchored right — and all text uses
"Noto Naskh Arabic" (served with the app; Debian's fonts-noto-core for the PNGs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import plotly.graph_objects as go
from django.utils import translation
from django.utils.translation import gettext as _

from reports.build import Report
from reports.tables import Table

FONT = '"Noto Naskh Arabic", "Noto Sans", sans-serif'
#: Bootstrap's palette, so the charts sit well with the pages.
COLOURS = ["#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545", "#20c997", "#ffc107", "#6c757d"]
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


@dataclass
class Chart:
    key: str
    title: str
    figure: go.Figure

    def spec(self) -> dict:
        """What Plotly.newPlot takes: {"data": [...], "layout": {...}} (plain JSON)."""
        return self.figure.to_plotly_json()


def _column(table: Table, key: str) -> list:
    i = table.column(key)
    return [row[i] for row in table.rows]


def _layout(fig: go.Figure, title: str, *, rtl: bool, horizontal: bool = False, height: int = 380) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.98 if rtl else 0.02, "xanchor": "right" if rtl else "left"},
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 60, "r": 60, "t": 60, "b": 60},
        legend={"orientation": "h", "x": 1 if rtl else 0, "xanchor": "right" if rtl else "left", "y": -0.15},
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=COLOURS,
        hoverlabel={"font": {"family": FONT}},
    )
    fig.update_xaxes(gridcolor="#e9ecef", automargin=True)
    fig.update_yaxes(gridcolor="#e9ecef", automargin=True)
    if rtl:
        # Mirror the chart: categories (or bars) run from the right, the value axis stands on the right.
        fig.update_xaxes(autorange="reversed")
        fig.update_yaxes(side="right")
    if horizontal:
        fig.update_yaxes(autorange="reversed")  # the first row at the top
    return fig


#: Unicode isolates: a number with its "%" keeps its order inside an Arabic title.
LRI, PDI = "\u2066", "\u2069"


def _counts_axis(fig: go.Figure, axis: str, highest) -> None:
    """Whole-number ticks on a count axis (no 0.2, 0.4 … for a handful of tickets)."""
    highest = max([v for v in highest if v is not None] + [1])
    step = max(1, math.ceil(highest / 6))
    fig.update_layout({f"{axis}axis": {"tick0": 0, "dtick": step, "rangemode": "tozero"}})


def _label_margin(fig: go.Figure, labels, *, rtl: bool) -> None:
    """Room for a horizontal chart's category labels (plotly's automargin does not see them on the right)."""
    longest = max((len(str(label)) for label in labels), default=0)
    room = min(320, 20 + 7 * longest)
    fig.update_layout(margin={"r": room} if rtl else {"l": room})


def monthly(table: Table, rtl: bool) -> go.Figure:
    fig = go.Figure()
    months = _column(table, "month")
    for column in table.columns[1:-1]:
        values = _column(table, column.key)
        if any(values):
            fig.add_bar(name=column.label, x=months, y=values)
    fig.update_layout(barmode="stack", yaxis_title=_("Requests"))
    _counts_axis(fig, "y", _column(table, "total"))
    return _layout(fig, table.title, rtl=rtl)


def resolution_distribution(table: Table, rtl: bool) -> go.Figure:
    fig = go.Figure(go.Bar(x=_column(table, "hours"), y=_column(table, "tickets"), marker_color=COLOURS[0]))
    fig.update_layout(xaxis_title=_("Working hours to resolution"), yaxis_title=_("Tickets"), xaxis_type="category")
    _counts_axis(fig, "y", _column(table, "tickets"))
    return _layout(fig, table.title, rtl=rtl)


def sla(table: Table, rtl: bool) -> go.Figure:
    rows = table.rows[:-1]  # the last row is "All priorities"
    names = [r[table.column("priority")] for r in rows]
    fig = go.Figure()
    fig.add_bar(name=_("Within the SLA"), x=names, y=[r[table.column("met")] for r in rows], marker_color="#198754")
    fig.add_bar(name=_("Late"), x=names, y=[r[table.column("breached")] for r in rows], marker_color="#dc3545")
    overall = table.rows[-1][table.column("compliance")]
    title = table.title if overall is None else f"{table.title}: {LRI}{overall:.1f}%{PDI}"
    fig.update_layout(barmode="stack", yaxis_title=_("Resolutions measured"), xaxis_type="category")
    _counts_axis(fig, "y", [r[table.column("measured")] for r in rows])
    return _layout(fig, title, rtl=rtl)


def availability(table: Table, rtl: bool) -> go.Figure:
    names = _column(table, "name")
    values = _column(table, "availability")
    pairs = [(n, v) for n, v in zip(names, values, strict=True) if v is not None]
    fig = go.Figure(
        go.Bar(
            y=[n for n, _v in pairs],
            x=[v for _n, v in pairs],
            orientation="h",
            marker_color=[("#dc3545" if v < 99 else "#fd7e14" if v < 99.9 else "#198754") for _n, v in pairs],
            text=[f"{v:.1f}%" for _n, v in pairs],
            textposition="auto",
        )
    )
    low = min([v for _n, v in pairs], default=100.0)
    fig.update_layout(xaxis_title=_("Availability (%)"), xaxis_range=[min(low - 1, 95), 100])
    height = max(300, 40 + 28 * len(pairs))
    fig = _layout(fig, table.title, rtl=rtl, horizontal=True, height=height)
    _label_margin(fig, [n for n, _v in pairs], rtl=rtl)
    if rtl:
        fig.update_xaxes(autorange=None, range=[100, min(low - 1, 95)])
    return fig


def heatmap(table: Table, rtl: bool) -> go.Figure:
    days = _column(table, "weekday")
    hours = [c.label for c in table.columns[1:]]
    z = [row[1:] for row in table.rows]
    fig = go.Figure(
        go.Heatmap(z=z, x=hours, y=days, colorscale="Reds", hoverongaps=False, colorbar={"title": _("Outages")})
    )
    fig.update_layout(xaxis_title=_("Hour of the day"), xaxis_type="category")
    fig = _layout(fig, table.title, rtl=rtl, horizontal=True, height=360)
    if rtl:
        fig.update_traces(colorbar={"x": -0.12, "xanchor": "left"})
    return fig


def top_assets(table: Table, rtl: bool) -> go.Figure:
    names = [f"{tag} {device}".strip() for tag, device in zip(_column(table, "asset_tag"), _column(table, "device"),
                                                               strict=True)]  # fmt: skip
    fig = go.Figure()
    fig.add_bar(name=_("Fault tickets"), y=names, x=_column(table, "tickets"), orientation="h")
    fig.add_bar(name=_("Outages"), y=names, x=_column(table, "outages"), orientation="h")
    fig.update_layout(barmode="group", xaxis_title=_("Count"))
    _counts_axis(fig, "x", _column(table, "tickets") + _column(table, "outages"))
    fig = _layout(fig, table.title, rtl=rtl, horizontal=True, height=max(300, 60 + 40 * len(names)))
    _label_margin(fig, names, rtl=rtl)
    return fig


#: (chart key, table key, builder)
CHARTS = [
    ("monthly", "monthly", monthly),
    ("resolution_distribution", "resolution_distribution", resolution_distribution),
    ("sla", "sla_by_priority", sla),
    ("availability", "availability_school", availability),
    ("heatmap", "outage_heatmap", heatmap),
    ("top_assets", "top_assets", top_assets),
]


def charts(report: Report) -> list[Chart]:
    """The report's charts, labelled in the language the report was built in."""
    rtl = translation.get_language_info(report.language)["bidi"]
    result = []
    with translation.override(report.language):
        for key, table_key, build in CHARTS:
            table = report.tables.get(table_key)
            if table is None:
                continue
            result.append(Chart(key=key, title=table.title, figure=build(table, rtl)))
    return result
