"""Training: the settings of a run (``settings``, no torch), the session that checks everything and sets
a run up (``session``), the loop with its clock, evaluations and Ctrl-C (``loop``), checkpoints for
``--resume`` (``checkpoint``), the tuned presets (``presets``) and the one scoring path every published
figure comes from (``scoring``).

May import: ``zoo.agents``, ``zoo.envs``, ``zoo.learning``, ``zoo.rundir``, ``zoo.errors``. Imported by:
the commands and ``hub`` (a converted agent is scored like a trained one).
"""
