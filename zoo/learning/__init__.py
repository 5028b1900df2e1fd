"""The math of learning: networks, losses, targets, schedules, the optimiser, replay (uniform or prioritized
by a sum tree, priority), exact planning, and an MLP's backward written out (mlp_grad).

Pure functions and small classes of tensors and arrays, each tested on numbers worked out by hand. Nothing
here knows an environment, a run directory or a command line.

May import: numpy, torch, ``zoo.errors``. Imported by: ``zoo.agents`` (and benchmarks).
"""
