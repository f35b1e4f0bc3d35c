"""Generate: one task-breakdown workbook per responsible unit, and the distribution list."""
