"""The one place that talks to the Hub: an ``HfApi`` for the chosen endpoint, and one mapping from the
client's errors to messages that say what to do."""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

from zoo.errors import ZooError, first_line


def hub_api(endpoint: str | None = None, token: str | None = None):
    """An ``HfApi`` for ``endpoint`` (default: ``HF_ENDPOINT``, else the public Hub).

    huggingface_hub binds its module-level functions to an ``HfApi`` made at import time, so the
    endpoint is passed explicitly here rather than read from those.
    """
    from huggingface_hub import HfApi, constants

    return HfApi(endpoint=endpoint or os.environ.get("HF_ENDPOINT") or constants.ENDPOINT, token=token)


def is_offline() -> bool:
    """Whether huggingface_hub runs offline (``HF_HUB_OFFLINE=1``, read when it was imported)."""
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def check_repo_id(repo_id: str) -> None:
    """Refuse a repo id the Hub would refuse (``owner/name`` of letters, digits, - _ .) before any request."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    if not isinstance(repo_id, str) or repo_id.count("/") != 1:
        raise ZooError(f"{repo_id!r} is not a repo id: use owner/name (one slash)")
    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        raise ZooError(f"{repo_id!r} is not a valid repo id: owner and name use letters, digits, '-', '_' and '.' "
                       "(not at either end), at most 96 characters") from None


def unreachable(error: BaseException) -> bool:
    """Whether ``error`` means the Hub could not be reached at all (refused, no route, timed out)."""
    return isinstance(error, OSError) or type(error).__module__.startswith(("httpx", "httpcore"))


@contextlib.contextmanager
def hub_errors(api, repo_id: str, writing: bool, revision: str | None = None) -> Iterator[None]:
    """Turn what the client raises while reading (``writing=False``) or writing ``repo_id`` into a ZooError
    that names the repo and the fix."""
    from huggingface_hub.errors import (HfHubHTTPError, LocalEntryNotFoundError, RepositoryNotFoundError,
                                        RevisionNotFoundError)

    try:
        yield
    except RepositoryNotFoundError:
        if writing:
            raise ZooError(f"cannot write to {repo_id}: it does not exist or your token cannot see it. Check the "
                           "owner part of the name and that your token has write access.") from None
        raise ZooError(f"repo {repo_id} was not found on {api.endpoint}. Check the name (owner/name); if it is "
                       "private, log in (`hf auth login`) or set HF_TOKEN.") from None
    except RevisionNotFoundError:
        raise ZooError(f"repo {repo_id} has no revision {revision!r}. Leave out --revision for main.") from None
    except LocalEntryNotFoundError:
        reason = "HF_HUB_OFFLINE is set" if is_offline() else "no connection"
        raise ZooError(f"{repo_id} is not in the local Hugging Face cache and the Hub cannot be reached ({reason}). "
                       f"Pull it once while online: zoo pull {repo_id}") from None
    except HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        if status in (401, 403):
            what = "for" if writing else "while reading"
            raise ZooError(f"the Hub rejected your token {what} {repo_id} (HTTP {status}). Log in again with "
                           "`hf auth login` or set HF_TOKEN to a token with "
                           f"{'write' if writing else 'read'} access.") from None
        action = "refused the upload to" if writing else "answered HTTP {status} for"
        raise ZooError(f"the Hub {action.format(status=status)} {repo_id} (HTTP {status}): {first_line(error)}") from None
    except Exception as error:  # OSError, and httpx2's transport errors, which are not OSErrors
        if unreachable(error):
            hint = "" if writing else f" ({repo_id} was never pulled here, so there is no cached copy to use)"
            raise ZooError(f"cannot reach {api.endpoint} ({first_line(error)}). Check your network or "
                           f"HF_ENDPOINT{hint}.") from None
        raise
