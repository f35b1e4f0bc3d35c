"""The command line as operators use it: exit codes, JSON shapes, findings that name the input."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from udfs.rubric import resolve
from workbooks.cli import main

NATIONAL = "national-2019"
FULL = resolve(NATIONAL).with_suffix("") / "full-marks.json"
SECTION_MAXIMA = [4, 4, 6, 6, 6, 6, 10, 17, 14, 22, 5]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def full_inputs() -> dict[str, object]:
    return json.loads(FULL.read_text(encoding="utf-8"))["inputs"]


def write_inputs(path: Path, inputs: dict[str, object]) -> Path:
    path.write_text(json.dumps({"rubric": NATIONAL, "inputs": inputs}, ensure_ascii=False), encoding="utf-8")
    return path


def test_rubric_list_names_builtins() -> None:
    code, out = run("rubric", "list")
    assert code == 0
    assert NATIONAL in out and "示范城市" in out


def test_national_rubric_checks_clean() -> None:
    """Clean: nothing wrong, only its four parameters and the amount read in 元 listed for review (info, exit 0)."""
    code, out = run("rubric", "check", NATIONAL, "--json")
    findings = json.loads(out)["findings"]
    assert [(f["code"], f["severity"], f.get("input") or f.get("item")) for f in findings] == [
        ("reading-not-in-text", "info", "deduct_mode"),
        ("reading-not-in-text", "info", "national_jr_domains"),
        ("reading-not-in-text", "info", "both_zero_ratio"),
        ("reading-not-in-text", "info", "coverage_rule"),
        ("reading-not-in-text", "info", "s09_xinyidai"),
    ]
    assert code == 0
    code, out = run("rubric", "check", NATIONAL)
    assert out.strip().endswith("检查通过，未发现问题；列出 5 条提示（主要是文件没有定下、由指标体系选定的读法，发出结果前请复核）。")


def test_unknown_rubric_is_usage_error() -> None:
    code, out = run("rubric", "check", "no-such-rubric")
    assert code == 2
    assert "找不到指标体系" in out


def test_rubric_show_json_lists_every_input() -> None:
    code, out = run("rubric", "show", NATIONAL, "--json")
    assert code == 0
    data = json.loads(out)
    assert len(data["inputs"]) > 100
    for spec in data["inputs"]:
        assert {"id", "label", "type", "unit", "range", "providers"} <= spec.keys()
        assert spec["providers"], spec["id"]


def test_full_marks_scores_110_with_every_check_met(tmp_path: Path) -> None:
    code, out = run(
        "score", "--rubric", NATIONAL, "--inputs", str(write_inputs(tmp_path / "f.json", full_inputs())), "--json"
    )
    data = json.loads(out)
    assert data["total"] == pytest.approx(110)
    assert data["max_total"] == 110
    regular = [s for s in data["sections"] if not s["bonus"]]
    assert [s["max"] for s in regular] == SECTION_MAXIMA
    assert [s["score"] for s in regular] == pytest.approx(SECTION_MAXIMA)
    assert data["sections"][-1]["bonus"] and data["sections"][-1]["max"] == 10
    assert len(data["vetoes"]) == 10 and all(v["met"] for v in data["vetoes"])
    assert len(data["targets"]) == 10 and all(t["met"] for t in data["targets"])
    assert data["vetoed"] is False
    for item in data["items"]:
        assert {"id", "section", "title", "score", "max"} <= item.keys()
    assert code == 0, data["findings"]


def test_missing_input_is_a_finding_naming_it(tmp_path: Path) -> None:
    inputs = full_inputs()
    del inputs["npl_rate"]
    code, out = run("score", "--inputs", str(write_inputs(tmp_path / "m.json", inputs)), "--json")
    data = json.loads(out)
    assert code == 1
    missing = [f for f in data["findings"] if f["code"] == "input-missing"]
    assert [f["input"] for f in missing] == ["npl_rate"]
    npl = next(i for i in data["items"] if i["id"] == "s07_npl")
    assert npl["score"] is None  # not scored, never a silent 0
    assert data["total"] == pytest.approx(108)
    assert data["complete"] is False


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("npl_rate", 1.7, "input-out-of-range"),
        ("npl_rate", "约3%", "input-wrong-type"),
        ("halls_docked", "可能", "input-wrong-type"),
    ],
)
def test_bad_values_are_findings(tmp_path: Path, key: str, value: object, code: str) -> None:
    inputs = full_inputs()
    inputs[key] = value
    status, out = run("score", "--inputs", str(write_inputs(tmp_path / "b.json", inputs)), "--json")
    data = json.loads(out)
    assert status == 1
    assert any(f["code"] == code and f["input"] == key for f in data["findings"])


def test_contradictory_inputs_are_not_scored(tmp_path: Path) -> None:
    inputs = full_inputs()
    inputs["halls_connected"] = inputs["halls_total"] + 1
    status, out = run("score", "--inputs", str(write_inputs(tmp_path / "c.json", inputs)), "--json")
    data = json.loads(out)
    assert status == 1
    assert any(f["code"] == "input-constraint" for f in data["findings"])
    assert next(i for i in data["items"] if i["id"] == "s08_halls")["score"] is None
    assert next(v for v in data["vetoes"] if v["id"] == "basic_04")["met"] is None


def test_unreadable_inputs_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    code, out = run("score", "--inputs", str(bad))
    assert code == 2
    assert "不是有效的 JSON" in out


def test_default_run_scores_the_bundled_example() -> None:
    code, out = run("score")
    assert "使用内置示例数据" in out
    assert "总分" in out and "一票否决" in out
    assert code in (0, 1)


def test_xlsx_template_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "inputs.xlsx"
    code, _ = run("inputs", "template", "--rubric", NATIONAL, str(out))
    assert code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["数据填报"]
    full = full_inputs()
    for row in ws.iter_rows(min_row=2):
        value = full[row[0].value]
        if isinstance(value, bool):
            row[7].value = "是" if value else "否"  # as a person picks from the dropdown
        elif isinstance(value, list):
            for k, v in enumerate(value):
                ws.cell(row=row[0].row, column=8 + k, value=v)
        else:
            row[7].value = value
    wb.save(out)
    code, text = run("score", "--rubric", NATIONAL, "--inputs", str(out), "--json")
    assert json.loads(text)["total"] == pytest.approx(110)
    assert code == 0


def test_template_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "inputs.json"
    out.write_text("keep", encoding="utf-8")
    code, _ = run("inputs", "template", str(out))
    assert code == 2
    assert out.read_text(encoding="utf-8") == "keep"


def test_json_template_lists_every_input(tmp_path: Path) -> None:
    out = tmp_path / "inputs.json"
    assert run("inputs", "template", str(out))[0] == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["inputs"]) == set(full_inputs())


def test_rubric_list_shows_every_builtin() -> None:
    code, out = run("rubric", "list")
    names = [line.split("\t")[0] for line in out.splitlines()]
    assert names == [
        "national-2019",
        "wangyi-district",
        "yichang-2020",
        "zhengzhou-2019-counties",
        "zhengzhou-2019-units",
    ]


@pytest.mark.parametrize("rid", ["national-2019", "wangyi-district", "yichang-2020"])
def test_consistent_documents_check_clean(rid: str) -> None:
    code, out = run("rubric", "check", rid, "--json")
    findings = json.loads(out)["findings"]
    assert code == 0 and all((f["code"], f["severity"]) == ("reading-not-in-text", "info") for f in findings)


def test_task_list_cannot_be_scored() -> None:
    code, out = run("score", "--rubric", "yichang-2020")
    assert code == 2 and "任务清单" in out
