"""List the Basic modules LibreOffice imports from a workbook's VBA project, and its sheets, as a
second reader.

Run with the interpreter that has LibreOffice's `uno` module (see lo_fill.py):

    python3 lo_basic.py SOFFICE WORKBOOK OUT.json

OUT: {"libraries": {library: {module: source}}, "sheets": {sheet: {"visible": bool, "cells": rows}}}:
every Basic library of the document as LibreOffice's Basic library API shows it after its own VBA
import, and every sheet's used area as LibreOffice loaded it.
"""

import json
import os
import sys

import uno  # noqa: F401  (provided by LibreOffice)
from lo_fill import prop, run_office


def sheets(doc):
    found = {}
    for sheet in doc.Sheets:
        cursor = sheet.createCursor()
        cursor.gotoEndOfUsedArea(False)
        end = cursor.RangeAddress
        cells = sheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow).getDataArray()
        found[sheet.Name] = {"visible": bool(sheet.IsVisible), "cells": [list(row) for row in cells]}
    return found


def modules(desktop, path):
    url = uno.systemPathToFileUrl(os.path.abspath(path))
    doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
    try:
        libraries = doc.BasicLibraries
        found = {}
        for name in libraries.getElementNames():
            libraries.loadLibrary(name)
            library = libraries.getByName(name)
            found[name] = {m: library.getByName(m) for m in library.getElementNames()}
        return {"libraries": found, "sheets": sheets(doc)}
    finally:
        doc.close(True)


def main():
    soffice, workbook, out = sys.argv[1:4]
    found = run_office(soffice, lambda desktop: modules(desktop, workbook))
    with open(out, "w", encoding="utf-8") as f:
        json.dump(found, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
