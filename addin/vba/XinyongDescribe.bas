' xinyong: give Excel's function wizard the Chinese descriptions of the XY_ functions, as xlwings'
' "Import Functions" would. The text is data, not code: the add-in's very hidden sheet
' "xinyong.functions" holds from row 2 one function per row (name, category, description, number of
' arguments, one argument description per column), because the project's codepage cannot hold Chinese.
' Names are qualified with the add-in's file name, the way xlwings registers them.
Sub XinyongDescribe()
    Dim sheet As Worksheet, lastRow As Long, r As Long, k As Long, argCount As Long
    Dim macroName As String, summary As String, category As String, docs() As String
    On Error Resume Next
    Set sheet = ThisWorkbook.Worksheets("xinyong.functions")
    If sheet Is Nothing Then Exit Sub
    lastRow = sheet.UsedRange.Rows.Count
    For r = 2 To lastRow
        macroName = "'" & ThisWorkbook.Name & "'!" & CStr(sheet.Cells(r, 1).Value)
        category = CStr(sheet.Cells(r, 2).Value)
        summary = CStr(sheet.Cells(r, 3).Value)
        argCount = 0 ' set first: under Resume Next a failed read must not keep the previous row's count
        argCount = CLng(sheet.Cells(r, 4).Value)
        If argCount > 0 And Val(Application.Version) >= 14 Then ' argument descriptions need Excel 2010
            ReDim docs(0 To argCount - 1)
            For k = 0 To argCount - 1
                docs(k) = CStr(sheet.Cells(r, 5 + k).Value)
            Next k
            Application.MacroOptions Macro:=macroName, Description:=summary, Category:=category, ArgumentDescriptions:=docs
        Else
            Application.MacroOptions Macro:=macroName, Description:=summary, Category:=category
        End If
    Next r
End Sub
