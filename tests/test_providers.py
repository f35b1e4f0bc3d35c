"""Who provides what (wangyi-district): a district-wide figure is asked of one unit, the one the
document makes responsible, or, where it is silent, the one the rubric chose and says so (listed by
`rubric check`); the other participating units report their progress on the task, never a district
figure of their own. So no figure conflicts between units, and a unit that returns its form on time
is not late for a figure somebody else owes."""

from __future__ import annotations

import re
from datetime import date, datetime

from python_calamine import CalamineWorkbook

from tests.test_exit_codes import full_marks
from udfs.rubric import check
from workbooks.generate.fill import fill_returns
from workbooks.generate.run import generate, packages
from workbooks.intake.consolidate import consolidate
from workbooks.master import layout as L
from workbooks.master.run import write_master
from workbooks.project import init_project

RUBRIC = "wangyi-district"


def test_each_district_figure_is_asked_of_one_unit_and_the_choice_is_listed(tmp_path) -> None:  # noqa: ANN001
    p = init_project(tmp_path / "王益", RUBRIC, today=date(2020, 3, 1))
    asked: dict[str, list[str]] = {}
    for k in packages(p)[0]:
        for input_id in k.asked:
            asked.setdefault(input_id, []).append(k.unit.label)
    assert set(asked) == set(p.rubric.inputs)
    assert {i: units for i, units in asked.items() if len(units) > 1} == {}
    listed = {f.item: f.message for f in check(p.rubric) if f.code == "reading-not-in-text"}
    group = re.compile(r"各|联席会议|等")  # the document names a group of units, not one
    chosen = 0
    for item in p.rubric.scored_items:
        if not group.search(item.units):
            continue
        for input_id in (i for i in p.rubric.inputs if re.search(rf"\b{i}\b", item.formula)):
            if p.rubric.inputs[input_id].type != "discretionary":
                assert f"只向{asked[input_id][0]}要这一个数" in listed.get(item.id, ""), (item.id, input_id)
                chosen += 1
    assert chosen >= 14


def test_a_round_without_conflicts_and_with_only_the_late_units_late(tmp_path) -> None:  # noqa: ANN001
    p = init_project(tmp_path / "王益", RUBRIC, today=date(2020, 3, 1))
    generate(p)
    units = [k.unit.name for k in packages(p)[0]]
    late, never = units[3], units[5]
    on_time = [u for u in units if u not in (late, never)]
    fill_returns(p, full_marks(RUBRIC), units=on_time, received=datetime(2020, 3, 20, 9))
    fill_returns(p, full_marks(RUBRIC), units=[late], received=datetime(2020, 4, 2, 9))
    consolidate(p, now=datetime(2020, 4, 3, 9))
    state = write_master(p, today=date(2020, 4, 3), now=datetime(2020, 4, 3, 9)).state
    assert not [f for f in state.findings if f.code == "value-conflict"]
    assert {u.unit for u in state.units if u.late} == {late, never}
    statuses = {u.unit: u.status for u in state.units}
    assert statuses[late] == "逾期报送" and statuses[never].startswith("逾期未报")
    book = CalamineWorkbook.from_path(str(p.root / L.MASTER_FILE))
    tasks = [r for r in book.get_sheet_by_name(L.TASKS).to_python()[3:] if r and r[0]]
    for r, item in zip(tasks, p.rubric.items, strict=True):  # the evidence boxes can be assembled from the master
        assert r[1] == item.title and r[3:7] == [item.method, item.deadline.strip() or "未规定", item.evidence_box, item.evidence]
    checks = book.get_sheet_by_name(L.CHECKS).to_python()
    assert checks[0][0] == "硬指标：认定条件" and "一票否决" not in checks[1][0]  # this rubric has no veto
