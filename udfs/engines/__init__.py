"""One vocabulary, several engines: the project's own compiler, the `formulas` package, and native
Excel text (evaluated by Excel, WPS or LibreOffice)."""
