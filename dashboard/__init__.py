"""The dashboard's model layer: state and URL, the physics cache, cached physics data, jobs.

Between the Dash layer (``layouts/``, ``callbacks/``) and the physics core, with no Dash
component in it:

- ``state``: the state dataclass, ranges, presets, choices, URL parsing, typed-number parsing;
- ``dependencies``: which result depends on which state field (the one table);
- ``cache``: the physics cache (files or Redis) and the ``memoized`` decorator;
- ``flavour_data``, ``relic_data``: cached wrappers of the physics the panels need (plain data);
- ``export``: the CSV export of the current numbers and curves;
- ``jobs``: the background-job store; ``warmup``: a worker's warm-up.
"""
