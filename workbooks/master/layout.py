"""Where things are in the master workbook: shared by the writer and the read-back of manual entries,
so the two can never disagree about a column."""

from __future__ import annotations

MASTER_FILE = "评分总表.xlsx"
REMINDER_FOLDER = "催报通知"  # in the project folder: a folder a day, a notice a unit
# bumped when the master's cells change meaning, so a master written before is rewritten, not kept
LAYOUT_VERSION = "2-native"
COMPUTED_EVERYWHERE = (
    "得分、小计和总分用 Excel 自带函数计算：装不装加载项的 Excel、WPS、LibreOffice 重算结果都相同；"
    "“计分公式”栏是指标体系中便于阅读的写法（XY_ 函数）。"
)
MASTER_ARCHIVE = "总表存档"  # under 归档/: every hand-edited master, by content hash, before it is rewritten

OVERVIEW, SCORES, DATA, CHECKS = "总览", "评分表", "数据", "硬指标"
RECOVERY, REMINDERS, PROGRESS, TREND, SUBMISSIONS, FINDINGS = (
    "提分空间", "催报", "单位进度", "轮次趋势", "提交记录", "问题清单",
)  # fmt: skip
TASKS, TASK_MATRIX, ROUND_STATES, PUBLICATION = "任务进度", "任务×单位", "各轮状态", "报送情况"  # rounds_view
# 问题清单: the office closes a file's findings by writing in this column (read back like 人工录入)
F_FILE_HEAD, F_DISMISS_HEAD = "文件", "已处理（填说明）"
F_FIRST = 3  # first finding row (0-based); the header is the row above

# 数据: one row per input (a list input: one row per period)
DATA_HEAD = ["数据项编号", "数据项", "类型", "计量单位", "取值范围", "期次", "报送值", "来源", "人工录入", "采用值", "说明"]  # fmt: skip
D_ID, D_LABEL, D_TYPE, D_UNIT, D_RANGE, D_PERIOD, D_REPORTED, D_SOURCE, D_MANUAL, D_ADOPTED, D_NOTE = range(len(DATA_HEAD))
DATA_FIRST = 3  # first data row (0-based); rows above: title, hint, header

# 评分表: one row per item, a subtotal row per section
SCORE_HEAD = ["指标编号", "部分", "分组", "指标", "满分", "计分公式", "数据项及来源", "得分", "失分", "说明"]
S_ID, S_SECTION, S_GROUP, S_TITLE, S_MAX, S_FORMULA, S_INPUTS, S_SCORE, S_LOST, S_NOTE = range(len(SCORE_HEAD))
SCORE_FIRST = 3

# a many-subject master's 数据 and 评分表 (master/matrix.py): fixed columns, then a block per subject
MX_SUBJECT_ROW, MX_HEAD_ROW, MX_FIRST = 2, 3, 4  # 0-based: subject names, column names, first row
MX_SUBJECTS_LABEL = "考核对象 →"  # column A of the subject row; each subject's short name over its block
MX_DATA_FIXED = DATA_HEAD[: D_PERIOD + 1]  # the same row head as the one-subject 数据 (live.input_head)
MX_DATA_BLOCK = ["报送值/自评分", "人工录入/考核分", "采用值"]
MX_BLOCK = len(MX_DATA_BLOCK)
MX_SCORE_FIXED = ["指标编号", "部分", "指标", "满分"]  # then a column per subject, then 计分公式 (on paper:
# each page repeats the first three and holds subjects, not the long formula text)
MX_FORMULA_HEAD = "计分公式"

NOT_SCORED = "未计分"
MET, UNMET, UNKNOWN = "达标", "未达标", "无法判断"
STATUS_TEXT = {True: MET, False: UNMET, None: UNKNOWN}  # a condition or check: met, unmet, cannot be judged
