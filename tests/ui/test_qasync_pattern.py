"""The async-on-Qt pattern the UI relies on: an async slot behind a button does real HTTP."""

from __future__ import annotations

import httpx
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from desktop.asyncqt import async_slot
from desktop.localzou import LocalZou
from tests.ui.conftest import run_async


def test_button_runs_async_http(qtbot: QtBot, qloop: object, zou_server: LocalZou) -> None:
    results: list[str] = []

    @async_slot
    async def fetch() -> None:
        async with httpx.AsyncClient() as client:
            results.append((await client.get(zou_server.url + "/")).json()["api"])

    button = QPushButton("go")
    qtbot.addWidget(button)
    button.clicked.connect(fetch)
    qtbot.mouseClick(button, __import__("PySide6.QtCore").QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: results == ["Zou"], timeout=10000)


def test_run_async_returns_value(qtbot: QtBot, qloop: object, zou_server: LocalZou) -> None:
    async def version() -> str:
        async with httpx.AsyncClient() as client:
            return str((await client.get(zou_server.url + "/")).json()["version"])

    assert run_async(qtbot, version()) == "1.0.97"
