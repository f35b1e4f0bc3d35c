"""The intranet portal: one more front end beside the command line and the ribbon, for units that
return their workbook in a browser and for offices whose PCs cannot run the add-in.

It calls the pipeline's own services (intake through `consolidate`, the master through
`write_master`, the ribbon's jobs) and holds no rule of its own. Off unless `xinyong serve` starts it.
"""
