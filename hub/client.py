"""The one place that talks to the Hub: an ``HfApi`` for the chosen endpoint, and one mapping from the
client's errors to messages that say what to do."""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

from zoo.errors import ZooError, first_line

# A Hub that accepts the connection and never answers must not hang a command (issue 23): huggingface_hub
# leaves several calls without a timeout (model_info, the listing inside snapshot_download), so every request
# of its shared client gets one here. The bounds are the variables huggingface_hub users already know:
# HF_HUB_ETAG_TIMEOUT for connecting and for the one metadata call of a pull (zoo's default 5 s, so a cached
# repo plays within 10 s of a hung Hub), HF_HUB_DOWNLOAD_TIMEOUT (default 10 s, huggingface_hub's) for each
# wait for data: a bound on silence, not on a large file's whole transfer.
PROBE_SECONDS = 5.0
TRANSFER_SECONDS = 10.0


def _seconds(variable: str, default: float) -> float:
    text = os.environ.get(variable)
    if not text:
        return default
    try:
        value = int(text)  # huggingface_hub reads these as whole seconds, and fails on import otherwise
    except ValueError:
        value = 0
    if value < 1:
        raise ZooError(f"{variable}={text!r}: give the timeout as a whole number of seconds, 1 or more "
                       f"(unset: {default:g})")
    return float(value)


def timeouts() -> tuple[float, float]:
    """``(probe, transfer)`` seconds: see the comment above."""
    return _seconds("HF_HUB_ETAG_TIMEOUT", PROBE_SECONDS), _seconds("HF_HUB_DOWNLOAD_TIMEOUT", TRANSFER_SECONDS)


def _bound_request(request) -> None:
    """An httpx request hook: fill in the timeouts a call left unset (None means wait forever)."""
    probe, transfer = timeouts()
    given = request.extensions.get("timeout") or {}
    bounds = {"connect": probe, "read": transfer, "write": transfer, "pool": transfer}
    request.extensions["timeout"] = {k: given.get(k) if given.get(k) is not None else v for k, v in bounds.items()}


def hub_api(endpoint: str | None = None, token: str | None = None):
    """An ``HfApi`` for ``endpoint`` (default: ``HF_ENDPOINT``, else the public Hub), every request bounded in time.

    huggingface_hub binds its module-level functions to an ``HfApi`` made at import time, so the
    endpoint is passed explicitly here rather than read from those.
    """
    timeouts()  # a bad value is an error before huggingface_hub reads it (it raises a bare ValueError on import)
    from huggingface_hub import HfApi, constants, get_session

    session = get_session()
    hooks = session.event_hooks
    if _bound_request not in hooks["request"]:
        session.event_hooks = {**hooks, "request": [*hooks["request"], _bound_request]}
    return HfApi(endpoint=endpoint or os.environ.get("HF_ENDPOINT") or constants.ENDPOINT, token=token)


def is_offline() -> bool:
    """Whether huggingface_hub runs offline (``HF_HUB_OFFLINE=1``, read when it was imported)."""
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def check_repo_id(repo_id: str) -> None:
    """Refuse a repo id the Hub would refuse (``owner/name`` of letters, digits, - _ .) before any request."""
    timeouts()
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
            if "Timeout" in type(error).__name__:
                hint += (f"; it did not answer within the bounds (HF_HUB_ETAG_TIMEOUT={timeouts()[0]:g} s to connect "
                         f"and for metadata, HF_HUB_DOWNLOAD_TIMEOUT={timeouts()[1]:g} s for data), which those "
                         "variables raise")
            raise ZooError(f"cannot reach {api.endpoint} ({first_line(error) or type(error).__name__}). Check your "
                           f"network or HF_ENDPOINT{hint}.") from None
        raise
