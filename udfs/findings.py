"""Findings: every problem the tool meets is a record with a stable code, collected, never raised.

Office staff read the Chinese message; scripts key on the code. Codes are kebab-case and never
change meaning once released (the findings catalogue lists them all).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum

from .finding_codes import CATALOGUE


class Severity(StrEnum):
    ERROR = "error"  # the result is wrong or missing until someone acts
    WARNING = "warning"  # the result stands, but a person should look
    INFO = "info"  # worth knowing; nothing to do


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    item: str | None = None
    input: str | None = None
    expected: str | None = None
    subject: str | None = None  # the subject of a many-subject assessment it is about

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return {k: v for k, v in data.items() if v is not None}

    def location(self) -> str:
        parts = [p for p in (self.file, self.sheet, self.cell) if p]
        if self.item:
            parts.append(f"指标 {self.item}")
        if self.input:
            parts.append(f"数据项 {self.input}")
        return " / ".join(parts)


@dataclass
class Findings:
    """An ordered, de-duplicated collection: the same problem reported twice is one finding."""

    items: list[Finding] = field(default_factory=list)
    _seen: set[Finding] = field(default_factory=set, repr=False, compare=False)

    def add(
        self,
        code: str,
        message: str,
        severity: Severity = Severity.ERROR,
        **where: str | None,
    ) -> Finding:
        if code not in CATALOGUE:
            raise ValueError(f"finding code {code!r} is not in the catalogue")
        finding = Finding(code=code, severity=severity, message=message, **where)
        if not self._known(finding):
            self.items.append(finding)
            self._seen.add(finding)
        return finding

    def extend(self, other: Findings | list[Finding]) -> None:
        for finding in other.items if isinstance(other, Findings) else other:
            if not self._known(finding):
                self.items.append(finding)
                self._seen.add(finding)

    def _known(self, finding: Finding) -> bool:
        """Seen before (a set, so thousands of findings stay linear; rebuilt if `items` was changed directly)."""
        if len(self._seen) != len(self.items):
            self._seen = set(self.items)
        return finding in self._seen

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def codes(self) -> list[str]:
        return [f.code for f in self.items]

    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.items)
