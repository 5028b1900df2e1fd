"""Upload a run directory to the Hub as one commit, with its model card."""

from __future__ import annotations

import os
from pathlib import Path

from hub.client import check_repo_id, hub_api, hub_errors, is_offline
from zoo.errors import ZooError

# Resume state and weight snapshots are large and only useful where training continues; they stay local.
EXCLUDED = {"checkpoint.safetensors", "checkpoint.json"}
EXCLUDED_FOLDERS = {"snapshots"}


def files_to_push(run_dir: Path) -> list[Path]:
    """The run directory's regular files, minus checkpoints, snapshots and hidden files. A symbolic link is
    refused, wherever it points: a push must upload the run and nothing else from the machine."""
    files = []
    for path in sorted(run_dir.rglob("*")):
        parts = path.relative_to(run_dir).parts
        if any(part.startswith(".") for part in parts) or parts[0] in EXCLUDED_FOLDERS or path.name in EXCLUDED:
            continue
        if path.is_symlink():
            raise ZooError(f"{path} is a symbolic link (to {os.readlink(path)}). A push uploads the run's own files "
                           "only: replace the link by a copy of the file, or remove it. Nothing was uploaded.")
        if path.is_file():
            files.append(path)
    return files


def push(run_dir: str | Path, repo_id: str, private: bool = False, revision: str | None = None,
         commit_message: str | None = None, endpoint: str | None = None, token: str | None = None) -> str:
    """Create ``repo_id`` if needed and upload ``run_dir`` in one commit; returns the commit URL.

    The run directory is read, never written: a missing model card is generated into the commit
    only, so a failed push leaves the directory exactly as it was.
    """
    from huggingface_hub import CommitOperationAdd

    from zoo.agents.registry import load_run
    from zoo.rundir.card import model_card
    from zoo.rundir.files import check_run_dir, read_config, read_results

    run_dir = Path(run_dir)
    check_repo_id(repo_id)
    if run_dir.is_symlink():
        raise ZooError(f"{run_dir} is a symbolic link; push the run directory itself")
    check_run_dir(run_dir)
    if not (run_dir / "results.json").is_file():
        raise ZooError(f"{run_dir} has no results.json. Evaluate it first: zoo eval {run_dir} --write")
    config, results = read_config(run_dir), read_results(run_dir)
    load_run(run_dir)  # a run whose weights do not load (truncated, emptied, another shape) is not published
    if is_offline():
        raise ZooError("HF_HUB_OFFLINE is set: pushing needs the Hub. Unset it and try again.")
    from huggingface_hub import get_token

    if token is None and get_token() is None:
        raise ZooError("no Hugging Face token was found: set HF_TOKEN to a token with write access, or log in with "
                       "`hf auth login`. Nothing was uploaded.")
    operations = [CommitOperationAdd(path_in_repo=p.relative_to(run_dir).as_posix(), path_or_fileobj=str(p))
                  for p in files_to_push(run_dir) if p.relative_to(run_dir).as_posix() != "README.md"]
    card_path = run_dir / "README.md"
    card = (card_path.read_text(encoding="utf-8") if card_path.is_file() else
            model_card(config, results, leaderboard=(run_dir / "agent.pt").is_file()))
    # The card is written before the repo id is known; the uploaded copy names it (the folder is not touched).
    operations.append(CommitOperationAdd(path_in_repo="README.md",
                                         path_or_fileobj=card.replace("REPO_ID", repo_id).encode("utf-8")))
    api = hub_api(endpoint, token)
    message = commit_message or (f"Upload {config.algo} agent for {config.env_id} (mean reward "
                                 f"{results.mean_reward:.2f} +/- {results.std_reward:.2f})")
    with hub_errors(api, repo_id, writing=True, revision=revision):
        api.create_repo(repo_id, private=private, exist_ok=True)
        if revision and revision != "main":
            api.create_branch(repo_id, branch=revision, exist_ok=True)
        info = api.create_commit(repo_id, operations, commit_message=message, revision=revision)
    return info.commit_url
