"""Many-subject projects: a rubric that assesses every member of a registry group (zhengzhou-2019-
counties: 各县（市、区）; -units: 市直各成员单位) gets its subject list in 项目设置.yaml at `init`; the
office adds or removes subjects there (full, short or alias names), and every stage follows: the
provider “各县（市、区）社会信用体系建设牵头部门” means each subject itself, one workbook per subject,
nothing unresolved. A one-subject project has no list."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
import yaml

from udfs.rubric import resolve
from workbooks.generate.run import generate, packages
from workbooks.plan import registry as registries
from workbooks.plan.subjects import assessed_group
from workbooks.project import SETTINGS_FILE, ProjectError, init_project, open_project

TODAY = date(2019, 3, 1)
RUBRIC_ID = "zhengzhou-2019-counties"


def settings_of(root: Path) -> dict:
    return yaml.safe_load((root / SETTINGS_FILE).read_text(encoding="utf-8"))


def rewrite(root: Path, **changes: object) -> None:
    path = root / SETTINGS_FILE
    data = {**settings_of(root), **changes}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize(("rid", "count"), [("zhengzhou-2019-counties", 16), ("zhengzhou-2019-units", 44)])
def test_init_lists_every_member_of_the_assessed_group_and_generate_follows(
    tmp_path: Path, rid: str, count: int
) -> None:
    project = init_project(tmp_path / "p", rid, today=TODAY)
    assert len(project.subjects) == count == len(settings_of(project.root)["subjects"])
    builtin, _ = registries.load(project.rubric.registry)
    assert project.subjects == builtin.expand(assessed_group(project.rubric, builtin))  # in registry order
    result = generate(project)
    assert [f.code for f in result.findings] == ["settings-contact-missing"]  # nothing unresolved
    units = [p.unit.name for p in packages(project)[0]]
    assert units == project.subjects  # one workbook per subject, each with every figure it reports itself
    spec_ids = {s.id for s in project.rubric.inputs.values()}
    assert all({s.id for s in p.inputs} == spec_ids for p in packages(project)[0])


def test_the_office_removes_and_adds_subjects_by_any_name(tmp_path: Path) -> None:
    project = init_project(tmp_path / "p", "zhengzhou-2019-counties", today=TODAY)
    kept = project.subjects[:3]
    short = project.registry.units[project.subjects[5]].short
    rewrite(project.root, subjects=[*kept, short])
    again, _ = open_project(project.root)
    assert again.subjects == [*kept, project.subjects[5]]  # the short name read as the full name
    assert [p.unit.name for p in packages(again)[0]] == again.subjects


@pytest.mark.parametrize(
    ("subjects", "words"),
    [
        (["中原区人民政府", "不存在区人民政府"], ["不存在区人民政府", "不在单位名录中"]),
        (["中原区人民政府", "中原区人民政府"], ["重复"]),
        ([], ["没有列出考核对象"]),
    ],
)
def test_a_subject_list_that_cannot_be_used_says_why(tmp_path: Path, subjects: list[str], words: list[str]) -> None:
    project = init_project(tmp_path / "p", "zhengzhou-2019-counties", today=TODAY)
    rewrite(project.root, subjects=subjects)
    with pytest.raises(ProjectError) as refused:
        open_project(project.root)
    assert all(w in str(refused.value) for w in words), str(refused.value)


def test_a_one_subject_project_has_no_subject_list(tmp_path: Path) -> None:
    project = init_project(tmp_path / "p", "national-2019", today=TODAY)
    assert project.subjects == [] and settings_of(project.root)["subjects"] == []
    rewrite(project.root, subjects=["市发改委"])
    with pytest.raises(ProjectError, match="评估的是一个整体"):
        open_project(project.root)


def test_a_series_from_a_third_party_in_a_many_subject_project_is_a_finding(tmp_path: Path) -> None:
    """A third party reports figures for every subject a row each (tests/test_subjects_third_party.py);
    a series by period does not fit a row, so a rubric asking a third party for one is told, when it
    generates, that the series counts for no subject, and the third party's workbook does not ask for it."""
    text = resolve(RUBRIC_ID).read_text(encoding="utf-8")
    own = tmp_path / "县区考核（改）.yaml"
    series = (
        "inputs:\n  - id: zc_series\n    label: 近6期监测得分\n    type: list\n    length: 6\n"
        "    providers: [市信用办]\n"
    )
    assert text.count("\ninputs:\n") == 1
    own.write_text(text.replace("\ninputs:\n", "\n" + series, 1), encoding="utf-8")
    project = init_project(tmp_path / "p", str(own), today=TODAY)
    findings = generate(project).findings
    flagged = [f for f in findings if f.code == "provider-not-subject"]
    assert [(f.input, f.severity.value) for f in flagged] == [("zc_series", "warning")]
    assert "市信用办" in flagged[0].message
    assert all("zc_series" not in p.asked for p in packages(project)[0])


def test_a_subjects_workbook_asks_for_its_self_assessed_discretionary_scores(tmp_path: Path) -> None:
    """In an assessment a subject's discretionary figure is its 自评分 (optional); the office's 考核分
    is entered in the master. The workbook says so in the input's 填写说明."""
    project = init_project(tmp_path / "p", RUBRIC_ID, today=TODAY)
    generate(project)
    package = next(p for p in packages(project)[0] if p.unit.name == project.subjects[0])
    source = next(project.outbox.glob(f"{package.unit.label}-*.xlsx"))
    ws = openpyxl.load_workbook(source)["数据填报"]
    notes = {r[1]: r[6] for r in ws.iter_rows(min_row=3, values_only=True) if r[1]}
    discretionary = [s.id for s in package.inputs if s.type == "discretionary"]
    assert discretionary and all(notes[i].startswith("自评分（可不填）") for i in discretionary)
    assert not any(notes[s.id].startswith("自评分") for s in package.inputs if s.type != "discretionary")
