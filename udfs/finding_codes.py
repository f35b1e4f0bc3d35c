"""The findings catalogue: every code the tool can report, what it means and what to do.

A code is released once and never changes meaning. `Findings.add` refuses a code that is not
listed here, so the catalogue (and the reference generated from it) cannot drift from the code.
"""

from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str]] = {
    # rubric files
    "rubric-unreadable": (
        "指标体系文件不是有效的 YAML 或无法读取。",
        "用文本编辑器打开文件，按提示的行号修正格式（缩进、冒号、引号）。",
    ),
    "rubric-field-missing": ("指标体系文件缺少必填字段。", "按 docs/rubric-format.md 补上该字段。"),
    "rubric-field-invalid": ("字段取值类型不对（如分值写成了文字）。", "把该字段改为要求的类型。"),
    "rubric-duplicate-id": ("编号重复：两个部分、指标、数据项或参数用了同一个编号。", "给其中一个改用不同的编号。"),
    "rubric-total-mismatch": ("各部分分值合计与指标体系总分不一致。", "核对原文；若原文如此，在文件中注明采用的读法。"),
    "section-sum-mismatch": (
        "某部分标明的分值与其下各项分值合计不一致。",
        "核对原文各项分值；若原文自相矛盾，在 decision 中写明采用的读法。",
    ),
    "group-sum-mismatch": ("某分组标明的分值与其下各项分值合计不一致。", "核对原文各项分值。"),
    "stated-max-mismatch": (
        "文件对同一部分在不同位置写了不同的分值（如标题写6分、考核内容写8分）。",
        "核对原文；在文件中用 reading 写明采用哪一个分值。",
    ),
    "weight-mismatch": ("权重（如40%）与该部分的分值不符。", "核对权重和各项分值。"),
    "deadline-unreadable": (
        "工作进度要求无法识别为日期或“持续推进”。",
        "改写为“4月底前”“6月15日前”“全年工作”等形式，原文可写入说明。",
    ),
    "check-unknown-item": ("硬指标引用了不存在的指标编号。", "改为正确的指标编号。"),
    "input-id-invalid": (
        "数据项编号不能用作 Excel 名称。",
        "编号以字母开头，只用字母、数字和下划线，且不要写成 A1、AB12 这样的单元格地址。",
    ),
    "input-type-unknown": (
        "数据项类型不在可选范围内。",
        "类型改为 number、ratio、count、amount、bool、list 或 discretionary。",
    ),
    "input-range-invalid": ("数据项的下限大于上限。", "改正 min 和 max。"),
    "input-no-provider": ("数据项没有填写提供单位。", "在 providers 中写明由哪个单位提供。"),
    "input-unused": ("数据项没有被任何公式使用。", "删除该数据项，或在公式中使用它。"),
    "parameter-value-invalid": ("参数取值不在可选值之中。", "改为 choices 中列出的值之一。"),
    "formula-syntax": ("公式有语法错误。", "按提示的位置检查括号、逗号和引号。"),
    "formula-unknown-function": (
        "公式使用了不存在的函数。",
        "改用函数参考中列出的 XY_ 函数或 Excel 内置函数 IF、AND、OR、NOT、MIN、MAX、SUM、AVERAGE、ABS、ROUND、INT。",
    ),
    "formula-unknown-name": ("公式使用了未声明的数据项或参数。", "在 inputs 中声明该数据项，或改正拼写。"),
    "formula-arity": ("函数的参数个数不对。", "按函数参考补全或删减参数。"),
    "native-expansion-failed": (
        "公式无法展开为 Excel 内置函数（WPS、LibreOffice 中无法计算）。",
        "扣分方式等参数须为固定文本（linear、floor、ceil）。",
    ),
    "item-exceeds-max": (
        "在允许的输入范围内，该项公式的得分可能超过该项满分。",
        "在公式外加 MIN(满分, …) 或改正公式。",
    ),
    "reading-not-in-text": (
        "一处文件本身没有定下、由本指标体系选定的读法（参数，或文件自相矛盾处采用的读法），列出供评估人员复核。",
        "核对读法；不同意时在项目自己的指标体系文件中改参数值或读法，再重新计分。",
    ),
    "item-max-unreachable": ("在允许的输入范围内，该项公式达不到该项满分。", "核对公式系数和该项满分。"),
    "item-below-zero": ("该项公式可能得负分。", "在公式外加 MAX(0, …) 或改正公式。"),
    "item-not-numeric": ("该项公式的结果不是数值（如比较式得出“是/否”）。", "改正公式，使其得出分数。"),
    # input sets
    "input-unknown": ("输入文件中有本指标体系没有的数据项，已忽略。", "核对数据项编号拼写，或确认选对了指标体系。"),
    "input-not-finite": (
        "填写的数值不是有限的数（如 1e309、几百位的数字），无法计算。",
        "按实际数值重新填写，不要用科学计数法写极大的数。",
    ),
    "input-missing": ("缺少数据项，用到它的指标暂不计分。", "请提供单位补报该数据。"),
    "input-wrong-type": (
        "数据填写的类型不对（如数值栏填了文字），未采用。",
        "按“单位”和“允许范围”改填，如 85%、0.85、1234、是/否。",
    ),
    "input-out-of-range": ("数据超出允许范围，未采用。", "核实数据；比例请填 0–100% 之间的数。"),
    "input-constraint": (
        "几项数据之间互相矛盾（如已接入数多于总数），相关数据均未采用。",
        "请提供单位核实这几项数据。",
    ),
    # unit registry and responsibility
    "registry-unreadable": ("单位名录文件无法读取。", "检查文件格式（.yaml 或由 xinyong units export 导出的 .xlsx）。"),
    "registry-alias-conflict": (
        "同一个名称在名录中指向两个不同的单位或分组。",
        "删去其中一处的别名，使每个名称只指一个单位。",
    ),
    "registry-unknown-member": ("分组成员或单位类别在名录中不存在。", "改正成员名称，或先在“单位”表中添加该单位。"),
    "unit-unresolved": (
        "责任单位文字中有名录里没有的单位名称。",
        "在单位名录中添加该单位，或把该写法加为已有单位的别名。",
    ),
    "input-no-unit": (
        "数据项找不到任何提供单位，不会出现在任何下发表中。",
        "在指标体系中填写该数据项的提供单位，或在单位名录中补充。",
    ),
    "item-no-unit": ("指标找不到任何责任单位。", "在指标体系中填写责任单位，或在名录中补充相应单位。"),
    # project settings
    "settings-contact-missing": (
        "项目设置.yaml 中没有填写联系人或电话，下发的任务分解表封面上联系人一栏为空，单位不知道该找谁。",
        "在 项目设置.yaml 中填写 contact（联系人）和 phone（电话），再运行 xinyong generate 项目文件夹 --force 重新生成。",
    ),
    # returned files
    "file-unreadable": ("文件无法打开读取。", "确认文件没有被其他程序占用，重新放入回收文件夹。"),
    "file-not-xlsx": (
        "不是 .xlsx 工作簿（如 .xls、CSV、加密文件）。",
        "请单位用下发的任务分解表填报，去掉密码，保存为 .xlsx 后重新报送。",
    ),
    "file-damaged": ("文件已损坏，无法解析。", "请单位重新保存后报送。"),
    "file-too-large": ("文件解压后过大（疑似压缩炸弹），出于安全考虑未读取。", "请单位用下发的原表重新填报。"),
    "file-macro": ("文件包含宏，出于安全考虑未读取。", "请单位另存为不含宏的 .xlsx 后重新报送。"),
    "file-external-link": (
        "文件包含外部链接或数据连接（可能是 DDE），出于安全考虑未读取。",
        "请单位删除外部链接（或复制后“选择性粘贴为数值”）后重新报送。",
    ),
    "file-active-content": (
        "文件包含 ActiveX、嵌入对象或自定义界面，出于安全考虑未读取。",
        "请单位用下发的原表重新填报。",
    ),
    "file-unsafe-xml": ("文件含有 DTD/实体声明（可能是实体扩展攻击），未读取。", "请单位用下发的原表重新填报。"),
    "file-timeout": ("读取文件超时，已中止。", "请单位用下发的原表重新填报。"),
    "file-unsafe-zip": (
        "文件中的部件名不安全（绝对路径、含“..”或反斜杠、重名），疑似被特意构造，未读取。",
        "请单位用下发的原表重新填报；如反复出现，请核查文件来源。",
    ),
    "file-not-regular": (
        "回收文件夹中的这一项不是普通文件（快捷方式/符号链接、设备等），未读取也未归档。",
        "把单位交回的文件本身（而不是快捷方式）放入回收文件夹。",
    ),
    "file-internal-error": (
        "处理这个文件时工具内部出错；已跳过此文件，其他文件照常汇总。",
        "把文件和日志（归档/内部错误.log）交给维护人员；可请单位用下发的原表重新填报。",
    ),
    "file-not-unit-workbook": (
        "不是下发的任务分解表（没有识别标识）。",
        "请单位使用下发的任务分解表填报，不要另建表格。",
    ),
    "file-other-project": ("这是其他评估项目的表。", "确认是否放错文件夹。"),
    "file-other-round": ("这是其他轮次的表。", "请单位使用本轮下发的表。"),
    "file-unknown-unit": ("表中的单位不在本项目的下发名单中。", "确认单位名录；必要时重新生成下发表。"),
    "file-tampered": (
        "表的结构被改动过（工作表、填报单元格或任务行与下发时不一致）。",
        "请单位用原表重新填报，不要增删行列或改动工作表。",
    ),
    "resubmission-changed": (
        "同一单位重新报送的表改动了已采用的数据（列出改了什么、原值来自哪个文件）。",
        "核对改动是否属实；如有疑问联系该单位，必要时在评分总表“人工录入”栏填写确认的值。",
    ),
    "file-outdated-template": ("使用的是旧版任务分解表；能对应上的数据已采用。", "请单位以后使用最新下发的表。"),
    "input-formula": (
        "填报单元格中是公式；采用了其保存的计算结果，公式本身没有执行。",
        "核对数值；建议单位直接填写数值。",
    ),
    "input-formula-unevaluated": ("填报单元格中是公式且没有计算结果，无法采用。", "请单位直接填写数值。"),
    "task-status-invalid": ("任务完成状态不是“未开始/推进中/已完成”之一。", "请单位从下拉列表中选择。"),
    "value-carried-over": (
        "本轮未报送的数据沿用了上一轮的值（项目设置 carry_over 为 true）。",
        "如需本轮新数据，请提供单位报送。",
    ),
    "value-conflict": (
        "不同单位对同一数据项报送了不同的值。",
        "核实后用 xinyong resolve 指定采用的值，或在评分总表“数据”表的“人工录入”栏填写。",
    ),
    # the master scoring workbook
    "manual-entry": ("已从评分总表读取人工录入的值（评审酌情分或更正值），它优先于单位报送值。", "无需处理；清空该单元格即撤销。"),
    "manual-entry-cleared": ("评分总表中的人工录入已被清空，恢复采用单位报送值。", "无需处理。"),
    "manual-entry-invalid": (
        "评分总表“人工录入”栏中的值无法识别或超出范围，未采用。",
        "按提示改正该单元格后重新计分；原值保存在 归档/总表存档 中。",
    ),
    "master-formula-overwritten": (
        "评分总表中的公式单元格被直接改成了数值，这个改动不会被采用。",
        "改动值请填在“数据”表的黄色“人工录入”栏；被改的总表已保存在 归档/总表存档 中。",
    ),
    "master-unreadable": (
        "被修改过的评分总表无法读取，其中的人工录入未能读回。",
        "原文件已保存在 归档/总表存档 中；请打开核对后，把人工录入填到新生成的总表中。",
    ),
    "master-not-written": (
        "评分总表无法写入（文件可能正在 Excel 中打开）。",
        "关闭评分总表后点“重新计分”或运行 xinyong master 项目文件夹。",
    ),
    "provider-not-subject": (
        "逐一考核的项目中，某个数据项写明由一个不是考核对象的单位（如市信用办）报送：它收到的表只有一格，数据不能分对象计入得分。",
        "改为由各考核对象自己报送（指标体系中该数据项的 providers），或等待逐对象第三方报送功能。",
    ),
    "unit-data-missing": (
        "单位还有应报送的数据项未交或未能采用。",
        "提醒该单位报送；截止日期后见评分总表“催报”表。",
    ),
    "unit-late": ("单位已过回收截止日期仍未报齐，或在截止日期后才报送。", "见评分总表“催报”表，按通知文字催报。"),
    # scoring
    "item-not-scored": ("指标因数据缺失或有误暂不计分（不按0分处理）。", "补齐或改正所列数据项后重新计分。"),
    "item-error": ("指标的计分规则不接受所给的数据（如分母为0而分子大于0）。", "按提示核实数据。"),
    "item-score-out-of-range": (
        "计算出的得分超出该项分值范围，未采用。",
        "检查指标体系公式（运行 xinyong rubric check）。",
    ),
    "check-not-evaluated": ("硬指标因数据缺失或有误无法判断是否达标。", "补齐所列数据项后重新计分。"),
    "veto-triggered": (
        "有基础性指标未达到要求：无论总分多少，评估结果一票否决。",
        "见评分总表“硬指标”表中未达到的条件，由责任单位整改达标后重新报送。",
    ),
    "certification-not-met": (
        "有认定条件未达到，本次不能认定。",
        "见评分总表“硬指标”表中未达到的认定条件，整改达标后重新计分。",
    ),
    "vacuous-ratio": (
        "比例的分子分母均为0（如没有任何应整改事项），按全部覆盖（100%）计算。",
        "确认确实没有应统计的对象；如有，请补报数据。",
    ),
    "too-few-periods": (
        "要求的期数不足（如近6期监测得分只提供了几期），按已提供的期数平均。",
        "如有缺少的期数，请补报。",
    ),
}
