"""The run directory, laid out like a Hugging Face model repo: its files (``files``: config.json,
results.json, model.safetensors), the training metrics (``metrics``), the learning curve (``plots``), the
model card (``card``), both drawn in a second process (``presentation``), the replay video (``video``),
atomic writes (``atomic``) and the statistics of an honest score (``stats``).

May import: numpy, safetensors (torch only to write tensors), matplotlib, huggingface_hub's card tools,
``zoo.errors``. Never an agent or an environment. Imported by: ``zoo.agents``, ``zoo.training``, the
commands and ``hub``.
"""
