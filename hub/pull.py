"""Download a model repo into the Hugging Face cache and check what it holds."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from hub.client import hub_api, hub_errors, is_offline
from zoo.errors import ZooError


def check_file_names(names: list[str], repo_id: str) -> None:
    """Refuse a repo whose file names would land outside the download directory."""
    for name in names:
        parts = PurePosixPath(name).parts
        if name.startswith(("/", "\\")) or ".." in parts or "\\" in name or (parts and ":" in parts[0]):
            raise ZooError(f"{repo_id} lists a file named {name!r}, which would be written outside the download "
                           "directory. Nothing was downloaded; do not use this repo.")


def pull(repo_id: str, revision: str | None = None, endpoint: str | None = None, token: str | None = None) -> Path:
    """Download ``repo_id`` (or reuse the cache) and return its local folder; errors say what to do."""
    api = hub_api(endpoint, token)
    offline = is_offline()
    with hub_errors(api, repo_id, writing=False, revision=revision):
        if not offline:
            check_file_names(api.list_repo_files(repo_id, revision=revision), repo_id)
        path = Path(api.snapshot_download(repo_id, revision=revision, local_files_only=offline))
    from hub.formats import detect_format

    detect_format(path, repo_id)  # a repo with nothing we can load is an error now, not at play time
    return path
