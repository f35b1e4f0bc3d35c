"""The master scoring workbook (评分总表) and the reports built from the ledger's current values."""
