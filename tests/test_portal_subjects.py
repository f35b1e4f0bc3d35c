"""A many-subject assessment in the portal: every subject and the third party that reports for all of
them (here the credit office itself, made a provider of two figures as in test_subjects_third_party)
has its own link and page, with the workbook made for it."""

from __future__ import annotations

from datetime import date, datetime

from tests.test_subjects_third_party import OFFICE, office_project, rubric_file  # noqa: F401 - fixtures
from workbooks.generate.run import packages
from workbooks.portal import links
from workbooks.portal.app import create_app


def test_every_subject_and_the_third_party_have_a_page(office_project) -> None:  # noqa: ANN001, F811
    project = office_project[0]
    receivers = [k.unit.name for k in packages(project)[0]]
    assert OFFICE in receivers and set(project.subjects) <= set(receivers)
    known = links.tokens(project, receivers)
    assert len(set(known.values())) == len(receivers)
    client = create_app(
        project.root, today=lambda: date(2019, 3, 20), now=lambda: datetime(2019, 3, 20, 9)
    ).test_client()
    for unit in (OFFICE, project.subjects[0], project.subjects[-1]):
        page = client.get(f"/u/{known[unit]}")
        assert page.status_code == 200 and project.registry.label_of(unit) in page.get_data(as_text=True)
        workbook = client.get(f"/u/{known[unit]}/workbook")
        assert workbook.status_code == 200 and workbook.data[:2] == b"PK"
