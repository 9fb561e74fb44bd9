"""The Dash app imports, builds, and its Flask server answers."""

from __future__ import annotations


def test_app_exposes_server_and_health() -> None:
    import app as app_module

    client = app_module.server.test_client()
    assert client.get("/health").status_code == 200
    page = client.get("/")
    assert page.status_code == 200
    assert b"ALP-portal" in page.data


def test_create_app_gives_fresh_instances() -> None:
    import app as app_module

    assert app_module.create_app() is not app_module.create_app()
