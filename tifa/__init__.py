"""tifa (提法, "formulations"): the analysis behind the notebooks, one module per pipeline stage.

Import order runs one way:

    config -> files -> pipeline -> corpus -> settings -> stats, terms -> normalise, cleaning, articles
    -> segmentation, gold, checks -> priorities, keyness, validation -> parallelism, rhetoric -> adoption,
    explore
    -> style -> notebook -> plots (a package: one module per notebook)

Only ``style``, ``notebook`` and ``plots`` import matplotlib.  A test checks the order.  Nothing here is specific to one
district: the same code serves any corpus described by a ``metadata.csv``.
"""
