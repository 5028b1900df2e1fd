import os

# pygame renders FrozenLake off screen in tests; without these SDL looks for a display and sound card.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
