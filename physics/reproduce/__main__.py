"""``python -m physics.reproduce``: write the reproduction report (:func:`physics.reproduce.report.main`)."""

from .report import main

raise SystemExit(main())
