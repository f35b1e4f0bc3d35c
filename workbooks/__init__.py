"""The pipeline, in flow order: input files, scoring reports and the command line (later: plan,
generate, intake, ledger, master)."""
