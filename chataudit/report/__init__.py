"""The report (JSON schema chataudit.report/v1) and the reporters that render it."""
