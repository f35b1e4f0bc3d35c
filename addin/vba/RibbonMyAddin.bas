Attribute VB_Name = "RibbonMyAddin"
' xinyong: every button of the ribbon tab calls this one dispatcher with its id.
' The id (letters, digits, underscores only) goes to Python, which runs the same job as the CLI
' and always answers with a message (addin/callbacks.py). The working directory ('' and '.') leaves
' the module path first, so a file in it cannot stand in for the package (xlwings runs python -c).
Sub OnRibbonAction(control As IRibbonControl)
    RunPython "import sys;sys.path[:]=[p for p in sys.path if p not in ('','.')];import addin.callbacks; addin.callbacks.ribbon('" & control.Id & "')"
End Sub
