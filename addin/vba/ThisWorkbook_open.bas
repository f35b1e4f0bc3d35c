' xinyong: give Excel's function wizard the Chinese descriptions of the XY_ functions when the add-in
' opens (no Python is started here; a failure is ignored, the functions work without descriptions).
Private Sub Workbook_Open()
    On Error Resume Next
    XinyongDescribe
End Sub
