"""The agents, one algorithm per file, and what they share: the contract the trainer relies on
(``contract``), their hyperparameter dataclasses (``configs``, importable without torch, so `zoo --help`
needs none) and the registry that names, builds and loads them (``registry``).

May import: ``zoo.learning``, ``zoo.envs`` (the ``Step`` a collector hands over), ``zoo.rundir`` (to load
a run directory), ``zoo.errors``. Imported by: ``zoo.training``, the commands and ``hub``.
"""
