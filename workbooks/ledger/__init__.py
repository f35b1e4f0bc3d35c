"""The ledger stage: what was received and accepted, kept in SQLite (store), read by the master."""

from .store import LEDGER_FILE, Conflict, Current, Ledger, Manual, as_finding, decides, user_name

__all__ = ["LEDGER_FILE", "Conflict", "Current", "Ledger", "Manual", "as_finding", "decides", "user_name"]
