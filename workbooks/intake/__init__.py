"""Intake: returned files checked as containers, parsed in isolation, recognised and read."""
