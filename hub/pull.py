"""Download a model repo into the Hugging Face cache and check what it holds."""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath

from hub.client import check_repo_id, hub_api, hub_errors, is_offline, timeouts, unreachable
from zoo.errors import ZooError, first_line


def check_file_names(names: list[str], repo_id: str) -> None:
    """Refuse a repo whose file names would land outside the download directory."""
    for name in names:
        parts = PurePosixPath(name).parts
        if name.startswith(("/", "\\")) or ".." in parts or "\\" in name or (parts and ":" in parts[0]):
            raise ZooError(f"{repo_id} lists a file named {name!r}, which would be written outside the download "
                           "directory. Nothing was downloaded; do not use this repo.")


def pull(repo_id: str, revision: str | None = None, endpoint: str | None = None, token: str | None = None) -> Path:
    """Download ``repo_id`` (or reuse the cache) and return its local folder; errors say what to do.

    One request lists the repo's files (no retries: a refused connection is not worth waiting for in an
    interactive command; ``HF_HUB_ETAG_TIMEOUT`` seconds, default 5, for an answer). If the Hub cannot be
    reached or does not answer but the repo was pulled before, the cached copy is used, as huggingface_hub
    does for single files, and a line on stderr says so.
    """
    check_repo_id(repo_id)
    api = hub_api(endpoint, token)
    offline = is_offline()
    with hub_errors(api, repo_id, writing=False, revision=revision):
        if not offline:
            try:
                info = api.model_info(repo_id, revision=revision or "main", timeout=timeouts()[0])
            except Exception as error:  # noqa: BLE001 - only an unreachable Hub is handled here
                if not unreachable(error):
                    raise
                cached = _cached(api, repo_id, revision)
                if cached is None:
                    raise
                print(f"zoo: cannot reach {api.endpoint} ({first_line(error) or type(error).__name__}); using the copy of {repo_id} pulled before ({cached})",
                      file=sys.stderr)
                return cached
            check_file_names([sibling.rfilename for sibling in info.siblings or []], repo_id)
        path = Path(api.snapshot_download(repo_id, revision=revision, local_files_only=offline))
    from hub.formats import detect_format

    detect_format(path, repo_id)  # a repo with nothing we can load is an error now, not at play time
    return path


def _cached(api, repo_id: str, revision: str | None) -> Path | None:
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(api.snapshot_download(repo_id, revision=revision, local_files_only=True))
    except (LocalEntryNotFoundError, OSError):
        return None
