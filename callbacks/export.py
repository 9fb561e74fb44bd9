"""CSV download (:mod:`dashboard.export`) and the clientside copy-link."""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, dcc
from dash.exceptions import PreventUpdate

from dashboard.export import csv_rows, to_csv
from dashboard.state import AppState
from layouts import ids


def export_csv(n_clicks: int | None, state_data: dict | None) -> dict:
    """dcc.Download payload of the CSV for the current state."""
    if not n_clicks:
        raise PreventUpdate
    state = AppState.from_dict(state_data)
    return dcc.send_string(to_csv(csv_rows(state)), "alp_dm_explorer.csv", type="text/csv")


def register(app: Any) -> None:
    """CSV download and the clientside copy-link."""
    app.callback(
        Output(ids.CSV_DOWNLOAD, "data"),
        Input(ids.CSV_BUTTON, "n_clicks"),
        State(ids.STATE, "data"),
        prevent_initial_call=True,
    )(export_csv)
    app.clientside_callback(
        "function(n) { return window.location.href; }",
        Output(ids.COPY_LINK, "content"),
        Input(ids.COPY_LINK, "n_clicks"),
        prevent_initial_call=True,
    )
