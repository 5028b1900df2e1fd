# Two commands do all the set-up on a fresh machine (Python >= 3.10 and make are all they need):
#   make demo   install what is missing into .venv, then watch the shipped Pong agent play and film it
#   make test   install what is missing into .venv, check the import contracts (pyproject.toml), run the tests
# Both install only once: run again, they say in one line that there is nothing to install.

VENV ?= .venv
export SDL_VIDEODRIVER ?= dummy
export SDL_AUDIODRIVER ?= dummy

.PHONY: install demo test clean

install:
	@VENV=$(VENV) bash install.sh

demo: install
	$(VENV)/bin/zoo play pong --episodes 1 --video pong.mp4

test: install
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/python -m pytest -q

clean:
	rm -rf $(VENV)
