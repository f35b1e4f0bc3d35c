Attribute VB_Name = "RibbonMyAddin"
' xinyong: every button of the ribbon tab calls this one dispatcher with its id.
' The id (letters, digits, underscores only) goes to Python, which runs the same job as the CLI
' and always answers with a message (addin/callbacks.py).
Sub OnRibbonAction(control As IRibbonControl)
    RunPython "import addin.callbacks; addin.callbacks.ribbon('" & control.Id & "')"
End Sub
