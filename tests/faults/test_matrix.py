"""The fault matrix's rows (tests/faults/matrix.py) inside pytest, on the session's real Zou: each row must
pass and lose no data. `python -m tests.faults.matrix` runs the same rows and prints the table."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.localzou import LocalZou
from tests.faults.matrix import SCENARIOS, Scenario, run_one, table
from tests.helpers.zou import ZouAdmin

pytestmark = pytest.mark.timeout(90, func_only=True)


@pytest.mark.parametrize(("group", "fault", "fn"), SCENARIOS, ids=[f for _, f, _ in SCENARIOS])
async def test_matrix_row(group: str, fault: str, fn: Scenario, zou_server: LocalZou, zou_admin: ZouAdmin,
                          tmp_path: Path) -> None:
    row = await run_one(group, fault, fn, zou_server, zou_admin, tmp_path)
    assert row.ok, table([row])
    assert row.outcome is not None and row.outcome.saw
