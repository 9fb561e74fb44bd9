"""``python -m physics.scan``: the scan command line (:mod:`physics.scan.cli`)."""

from .cli import main

raise SystemExit(main())
