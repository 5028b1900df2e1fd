"""Environments: making them by id (``make``), Atari's DQN pipelines (``atari``), the collector that steps
them while training (``collector``), greedy episodes for evaluation and play (``episodes``), and the named
seed streams that keep training, selection and scoring apart (``seeds``).

May import: gymnasium, ale_py, numpy, ``toy_envs``, ``zoo.errors``. Never torch: agents act through a
policy function. Imported by: ``zoo.agents``, ``zoo.training``, the commands.
"""
