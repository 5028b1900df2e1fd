"""Download a model repo into the Hugging Face cache and check what it holds."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from zoo.errors import ZooError


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


def check_file_names(names: list[str], repo_id: str) -> None:
    """Refuse a repo whose file names would land outside the download directory."""
    for name in names:
        parts = PurePosixPath(name).parts
        if name.startswith(("/", "\\")) or ".." in parts or "\\" in name or (parts and ":" in parts[0]):
            raise ZooError(f"{repo_id} lists a file named {name!r}, which would be written outside the download "
                           "directory. Nothing was downloaded; do not use this repo.")


def pull(repo_id: str, revision: str | None = None, endpoint: str | None = None, token: str | None = None) -> Path:
    """Download ``repo_id`` (or reuse the cache) and return its local folder; errors say what to do."""
    from huggingface_hub.errors import (HfHubHTTPError, LocalEntryNotFoundError, RepositoryNotFoundError,
                                        RevisionNotFoundError)

    api = hub_api(endpoint, token)
    offline = is_offline()
    try:
        if not offline:
            check_file_names(api.list_repo_files(repo_id, revision=revision), repo_id)
        path = Path(api.snapshot_download(repo_id, revision=revision, local_files_only=offline))
    except RepositoryNotFoundError:
        raise ZooError(f"repo {repo_id} was not found on {api.endpoint}. Check the name (owner/name); if it is "
                       "private, log in (`hf auth login`) or set HF_TOKEN.") from None
    except RevisionNotFoundError:
        raise ZooError(f"repo {repo_id} has no revision {revision!r}. Leave out --revision for main.") from None
    except LocalEntryNotFoundError:
        raise ZooError(f"{repo_id} is not in the local Hugging Face cache and the Hub cannot be reached "
                       f"({'HF_HUB_OFFLINE is set' if offline else 'no connection'}). Pull it once while online: "
                       f"zoo pull {repo_id}") from None
    except HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        if status == 401:
            raise ZooError(f"the Hub rejected the token while reading {repo_id} (HTTP 401). Log in again with "
                           "`hf auth login` or set HF_TOKEN.") from None
        raise ZooError(f"the Hub answered HTTP {status} for {repo_id}: {_first_line(error)}") from None
    except (OSError, ConnectionError) as error:
        raise ZooError(f"cannot reach {api.endpoint} ({_first_line(error)}). Check your network or HF_ENDPOINT; "
                       f"a repo pulled before works offline with HF_HUB_OFFLINE=1.") from None
    except Exception as error:  # httpx2's transport errors are not OSErrors
        if type(error).__module__.startswith(("httpx", "httpcore")):
            raise ZooError(f"cannot reach {api.endpoint} ({_first_line(error)}). Check your network or HF_ENDPOINT; "
                           "a repo pulled before works offline with HF_HUB_OFFLINE=1.") from None
        raise
    from hub.formats import detect_format

    detect_format(path, repo_id)  # a repo with nothing we can load is an error now, not at play time
    return path


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
