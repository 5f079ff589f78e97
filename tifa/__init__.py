"""tifa (提法, "formulations"): the analysis behind the notebooks, one module per pipeline stage.

Import order runs one way:

    config -> files -> corpus -> settings -> stats, terms -> cleaning, segmentation,
    rhetoric, priorities, keyness, adoption -> style -> plots -> notebook

Only ``style``, ``plots`` and ``notebook`` import matplotlib.  Nothing here is specific to one
district: the same code serves any corpus described by a ``metadata.csv``.
"""
