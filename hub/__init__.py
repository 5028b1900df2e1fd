"""Share agents through the Hugging Face Hub: push run directories, pull them, convert other formats.

>>> import hub
>>> url = hub.push("runs/dqn-CartPole-v1-0", "me/dqn-cartpole")   # one commit, with the model card
>>> folder = hub.pull("me/dqn-cartpole")                            # into the Hugging Face cache

The endpoint is ``HF_ENDPOINT`` (or the public Hub) and the token comes from huggingface_hub
(``HF_TOKEN`` or a stored login); it is never printed or written anywhere by this package.
"""

from hub.formats import SUPPORTED, convert, detect_format
from hub.pull import pull
from hub.push import push

__all__ = ["push", "pull", "convert", "detect_format", "SUPPORTED"]
