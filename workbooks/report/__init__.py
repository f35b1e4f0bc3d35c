"""The report stage: what the scores and findings say, as text and JSON for the command line and scripts."""
