"""Assessment projects: one folder per assessment round that a person understands by looking at it.

    <项目>/项目设置.yaml   the settings (rubric, year, round, deadline, contact, sheet password)
    <项目>/单位名录.xlsx   the unit registry, editable in Excel
    <项目>/下发/           outgoing unit workbooks and 下发清单.xlsx
    <项目>/回收/           returned workbooks, dropped here as they arrive (never modified)
    <项目>/归档/           archived copies (replaced outgoing files, received files by content hash)

Everything after `xinyong init` works from this folder.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, timedelta
from pathlib import Path

import yaml

from udfs.findings import Findings
from udfs.rubric import Rubric, load, resolve
from udfs.rubric.loader import builtin_dir
from udfs.yamlfile import safe_load

from .plan import registry as registries
from .plan.rounds import first_month_round
from .plan.subjects import SubjectError, assessed_group, default_subjects, narrowed, resolve_subjects

SETTINGS_FILE = "项目设置.yaml"
REGISTRY_FILE = "单位名录.xlsx"
RUBRIC_FILE = "指标体系.yaml"
OUTBOX, INBOX, ARCHIVE = "下发", "回收", "归档"
README_FILE = "说明.txt"
RETURN_DAYS = 30

SETTINGS_HELP = """\
# 评估项目设置。可用记事本修改；修改后重新运行 xinyong generate 生成下发表。
# project_id 是项目的身份标识，写入每份下发表，用于识别回收的文件，请勿修改。
# subjects 是考核对象（逐一评分、排名的单位，写全称、简称或别名均可），可增删；
# 只有逐一考核各县（市、区）或各成员单位的指标体系才有，评估一个整体的项目为空 []。
# parameters 是计分口径参数：文件没有说清、评估者可能有不同理解之处，每个参数取其可选值之一
# （xinyong rubric show 列出每个参数的含义和可选值）；改后重新运行 xinyong score 或 master。
"""
README_TEXT = """\
本文件夹是一个社会信用体系建设评估项目（xinyong）。

项目设置.yaml   项目设置：指标体系、年度、轮次、回收截止日期、联系人、工作表保护密码
单位名录.xlsx   责任单位名录：可在 Excel 中修改单位简称、别名和分组，改后重新生成下发表
下发\\           生成的各单位任务分解表和下发清单.xlsx，按清单发给各单位
回收\\           各单位填好交回的文件放在这里（文件名可以随意，工具按文件内的标识识别）
归档\\           工具自动保存的副本，请勿手工修改

评分总表.xlsx   评分总表：总分、一票否决、逐项得分、提分空间、催报、单位进度（每次汇总后自动更新）
台账.sqlite     台账：收到的每个文件、每个数据和人工录入的记录（只增不改）
催报通知\\       每个需要催报的单位一份通知文字

常用命令：xinyong generate 项目文件夹    生成（或更新）各单位任务分解表
          xinyong consolidate 项目文件夹 汇总“回收”中的文件并更新评分总表
          xinyong score 项目文件夹       读回评分总表中的人工录入，重新计分
          xinyong report 项目文件夹      提分空间、硬指标风险和催报名单
"""


class ProjectError(Exception):
    """A folder that is not a project, or settings that cannot be used (exit code 2)."""


@dataclass
class Settings:
    project_id: str
    name: str
    rubric: str  # built-in id, or RUBRIC_FILE when the project carries its own rubric file
    year: int
    round: str
    deadline: str  # ISO date by which units return their workbooks
    issuer: str  # 发文单位 (the office running the assessment)
    contact: str = ""
    phone: str = ""
    email: str = ""
    return_how: str = "填好后保存，原文件（不要改名也可以，工具按文件内标识识别）发回至联系人邮箱。"
    sheet_password: str = ""  # empty: sheets are protected without a password
    portal_address: str = ""  # the office's intranet address of `xinyong serve` (http://10.1.2.3:8765); "": no links
    carry_over: bool = False  # a figure not reported this round keeps the latest earlier round's value
    formulas: str = "udf"  # master score cells: udf (XY_ functions, Excel with the add-in) | native (any suite)
    created: str = ""
    subjects: list[str] = field(default_factory=list)  # many-subject rubrics: every unit scored on its own (plan.subjects)
    parameters: dict[str, object] = field(default_factory=dict)  # the project's choice for each reading the rubric parameterises


@dataclass
class Project:
    root: Path
    settings: Settings
    rubric: Rubric
    registry: registries.Registry

    @property
    def outbox(self) -> Path:
        return self.root / OUTBOX

    @property
    def inbox(self) -> Path:
        return self.root / INBOX

    @property
    def archive(self) -> Path:
        return self.root / ARCHIVE

    @property
    def subjects(self) -> list[str]:
        """The units assessed one by one (full names, in the settings' order); empty when the rubric
        assesses one subject whose figures many units provide."""
        return self.settings.subjects


KEY_FILE = ".xinyong-key"  # in 归档/: the project's signing key, never written into a workbook


def safe_name(text: str) -> str:
    """A name every file system takes for a file or folder the tool writes (a unit's notice, a round's
    publication, a subject's feedback): the characters Windows refuses become “_”."""
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in text)


def signing_key(project: Project) -> bytes | None:
    """The key that signs every unit workbook's layout (see generate.identity); None for a project
    made before keys existed, whose workbooks carry plain hashes and keep working."""
    path = project.archive / KEY_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        return None


def _write_key(archive: Path) -> None:
    (archive / KEY_FILE).write_text(secrets.token_hex(32) + "\n", encoding="ascii")


def _project_id(rubric: str, year: int, round_name: str, created: str, root: Path) -> str:
    seed = f"{rubric}|{year}|{round_name}|{created}|{root.resolve()}"
    return "P" + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:12].upper()


def init_project(
    root: Path,
    rubric_ref: str,
    registry_ref: str | None = None,
    year: int | None = None,
    round_name: str | None = None,
    today: date | None = None,
) -> Project:
    if (root / SETTINGS_FILE).exists():
        raise ProjectError(f"{root} 已经是一个评估项目（有 {SETTINGS_FILE}），未做任何改动")
    if root.exists() and any(root.iterdir()):
        raise ProjectError(f"文件夹 {root} 不是空的；请指定一个新文件夹")
    rubric, findings = load(rubric_ref)
    if rubric is None or findings.has_errors():
        raise ProjectError(f"指标体系“{rubric_ref}”有错误，请先运行 xinyong rubric check")
    registry, reg_findings = registries.load(registry_ref or rubric.registry)
    if registry is None or reg_findings.has_errors():
        raise ProjectError(f"单位名录“{registry_ref or rubric.registry}”有错误")
    today = today or date.today()
    year = year or rubric.year or today.year
    deadline = today + timedelta(days=RETURN_DAYS)
    monthly = None if rubric.scored or round_name else first_month_round(rubric, year, today)
    if monthly:  # a task list followed month by month, due on the document's recurring day
        round_name, deadline = monthly[0], monthly[1].deadline
    round_name = round_name or f"{year}年度"
    root.mkdir(parents=True, exist_ok=True)
    for folder in (OUTBOX, INBOX, ARCHIVE):
        (root / folder).mkdir(exist_ok=True)
    _write_key(root / ARCHIVE)
    rubric_setting = rubric.id
    source = resolve(rubric_ref)
    if source.parent.resolve() != builtin_dir().resolve():
        shutil.copyfile(source, root / RUBRIC_FILE)  # the project carries a rubric of its own
        rubric_setting = RUBRIC_FILE
    registries.export_xlsx(registry, root / REGISTRY_FILE)
    settings = Settings(
        project_id=_project_id(rubric.id, year, round_name, today.isoformat(), root),
        name=f"{rubric.title}（{round_name}）",
        rubric=rubric_setting,
        year=year,
        round=round_name,
        deadline=deadline.isoformat(),
        issuer=rubric.issuer or "社会信用体系建设领导小组办公室",
        created=today.isoformat(),
        subjects=default_subjects(rubric, registry),
        parameters={pid: p.value for pid, p in rubric.parameters.items()},
    )
    write_settings(root, settings)
    (root / README_FILE).write_text(README_TEXT, encoding="utf-8")
    return open_project(root)[0]


def _setting(key: str, value: object) -> object:
    if key == "year":
        return int(value)  # type: ignore[arg-type]
    if key == "carry_over":
        return value is True or str(value).strip().lower() in ("true", "是", "yes", "1")
    if key == "parameters":
        if not isinstance(value, dict):
            raise ProjectError(f"{SETTINGS_FILE} 中的 parameters 应逐行写“参数编号: 取值”")
        return {str(k): v for k, v in value.items()}
    if key == "subjects":
        items = value if isinstance(value, list) else str(value or "").replace("，", "、").split("、")
        return [str(v).strip() for v in items if v is not None and str(v).strip()]
    return "" if value is None else str(value)


def with_parameters(rubric: Rubric, chosen: dict[str, object]) -> Rubric:
    """The rubric with the project's choice for each parameter; a name the rubric does not have or a
    value outside a parameter's choices stops the project with the valid ones listed."""
    params = dict(rubric.parameters)
    for pid, value in chosen.items():
        param = params.get(pid)
        if param is None:
            valid = "、".join(params) or "（本指标体系没有参数）"
            raise ProjectError(f"{SETTINGS_FILE} 中的计分口径参数“{pid}”不是“{rubric.title}”的参数；可用的参数：{valid}")
        match = next((c for c in param.choices if _same(c, value)), None) if param.choices else value
        if match is None or isinstance(value, bool):
            choices = "、".join(str(c) for c in param.choices)
            raise ProjectError(f"{SETTINGS_FILE} 中参数“{param.label}”（{pid}）的取值“{value}”不可用；可选：{choices}")
        params[pid] = replace(param, value=match)  # type: ignore[arg-type]
    return replace(rubric, parameters=params)


def _same(choice: object, value: object) -> bool:
    if isinstance(choice, int | float) and isinstance(value, int | float):
        return float(choice) == float(value)
    return str(choice).strip() == str(value).strip()


def write_settings(root: Path, settings: Settings) -> None:
    text = SETTINGS_HELP + yaml.safe_dump(asdict(settings), allow_unicode=True, sort_keys=False)
    (root / SETTINGS_FILE).write_text(text, encoding="utf-8")


def open_project(root: Path) -> tuple[Project, Findings]:
    path = root / SETTINGS_FILE
    if not path.exists():
        raise ProjectError(f"{root} 不是评估项目文件夹（缺少 {SETTINGS_FILE}）；请先运行 xinyong init")
    try:
        raw = safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ProjectError(f"{SETTINGS_FILE} 格式有误：{exc}") from None
    known = {f.name for f in fields(Settings)}
    missing = [k for k in ("project_id", "rubric", "year", "round", "deadline", "issuer") if not raw.get(k)]
    if missing:
        raise ProjectError(f"{SETTINGS_FILE} 缺少：{'、'.join(missing)}")
    settings = Settings(**{k: _setting(k, v) for k, v in raw.items() if k in known})
    try:
        date.fromisoformat(settings.deadline)
    except ValueError:
        raise ProjectError(
            f"{SETTINGS_FILE} 中的回收截止日期“{settings.deadline}”应写成 2020-07-31 这样的日期"
        ) from None
    if settings.formulas not in ("udf", "native"):
        raise ProjectError(f"{SETTINGS_FILE} 中的 formulas 应为 udf（使用加载项函数）或 native（Excel 原生函数），而不是“{settings.formulas}”")
    rubric_ref = str(root / settings.rubric) if settings.rubric == RUBRIC_FILE else settings.rubric
    rubric, findings = load(rubric_ref)
    if rubric is None or findings.has_errors():
        raise ProjectError(f"项目的指标体系“{settings.rubric}”有错误，请先运行 xinyong rubric check")
    rubric = with_parameters(rubric, settings.parameters)
    registry, reg_findings = registries.load(str(root / REGISTRY_FILE))
    if registry is None or reg_findings.has_errors():
        problems = "；".join(f.message for f in reg_findings)
        raise ProjectError(f"{REGISTRY_FILE} 有错误：{problems}")
    findings.extend(reg_findings)
    group = assessed_group(rubric, registry)
    if group is not None:
        try:
            settings.subjects = resolve_subjects(settings.subjects, registry)
        except SubjectError as exc:
            raise ProjectError(f"{SETTINGS_FILE}：{exc}") from None
        if not settings.subjects:
            raise ProjectError(f"{SETTINGS_FILE} 没有列出考核对象（subjects）；“{rubric.title}”逐一考核{rubric.assessed}，请列出被考核单位")
        registry = narrowed(registry, group, settings.subjects)
    elif settings.subjects:
        raise ProjectError(f"{SETTINGS_FILE} 列出了考核对象（subjects），但“{rubric.title}”评估的是一个整体，不逐一考核；请删去 subjects")
    return Project(root, settings, rubric, registry), findings
