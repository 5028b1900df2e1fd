"""`zoo push`, `zoo pull` and `zoo convert`: the Hugging Face Hub and checkpoints made by other libraries."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from zoo.errors import ZooError


def add_parsers(sub) -> None:
    push = sub.add_parser("push", help="upload a run directory to the Hugging Face Hub",
                          description="Upload RUN_DIR to REPO_ID in one commit (created if needed), with its model "
                                      "card (generated from config.json and results.json if missing). Checkpoints "
                                      "for --resume stay local. The token comes from HF_TOKEN or `hf auth login`; "
                                      "HF_ENDPOINT selects another Hub.")
    push.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run directory, or a shipped agent (pong)")
    push.add_argument("repo_id", metavar="REPO_ID", help="owner/name")
    push.add_argument("--private", action="store_true", help="create the repo as private")
    push.add_argument("--revision", default=None, metavar="BRANCH", help="branch to commit to (created if needed)")
    push.add_argument("--commit-message", default=None, metavar="MSG")
    push.set_defaults(run=run_push)

    pull = sub.add_parser("pull", help="download a Hub repo into the Hugging Face cache",
                          description="Download REPO_ID into the Hugging Face cache, check it holds a loadable "
                                      "agent, and print the local path. With HF_HUB_OFFLINE=1 it uses the cache.")
    pull.add_argument("repo_id", metavar="REPO_ID")
    pull.add_argument("--revision", default=None, help="branch, tag or commit (default: main)")
    pull.set_defaults(run=run_pull)

    convert = sub.add_parser("convert", help="turn a CleanRL, SB3 or course checkpoint into a run directory",
                             description="Convert SRC (a Hub repo id, a folder or a checkpoint file) into a native "
                                         "run directory OUT_DIR. Only tensors are read (torch.load with "
                                         "weights_only=True); an SB3 zip's pickled data member is never opened.")
    convert.add_argument("source", metavar="SRC")
    convert.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    convert.add_argument("--env", default=None, metavar="ENV_ID",
                         help="env id (default: guessed from SRC, e.g. ALE/Pong-v5)")
    convert.add_argument("--episodes", type=int, default=0,
                         help="score this many greedy episodes on held-out seeds into results.json and a model card, "
                              "as training scores its runs (default: 0)")
    convert.set_defaults(run=run_convert)


def run_push(args: argparse.Namespace) -> int:
    from hub.push import push
    from zoo.pretrained import shipped_path

    run_dir = args.run_dir
    if not run_dir.exists() and shipped_path(str(run_dir)) is not None:
        run_dir = shipped_path(str(run_dir))
    url = push(run_dir, args.repo_id, private=args.private, revision=args.revision,
               commit_message=args.commit_message)
    print(f"pushed {run_dir} to {args.repo_id}: {url}")
    return 0


def run_pull(args: argparse.Namespace) -> int:
    from hub.formats import detect_format
    from hub.pull import pull

    path = pull(args.repo_id, revision=args.revision)
    fmt, _ = detect_format(path, args.repo_id)
    print(f"{args.repo_id} ({fmt} format) is in {path}")
    return 0


def run_convert(args: argparse.Namespace) -> int:
    import hub
    from hub.formats import convert, detect_format

    if args.out_dir.exists():
        raise ZooError(f"{args.out_dir} already exists; choose a new OUT_DIR")
    if not 0 <= args.episodes <= 1_000_000:
        raise ZooError(f"--episodes must be between 0 and 1,000,000 (got {args.episodes})")
    folder = hub.resolve(args.source) if not Path(args.source).is_file() else Path(args.source)
    fmt, file = detect_format(folder, args.source)
    if fmt == "native":
        raise ZooError(f"{args.source} is already a value-zoo run directory; nothing to convert")
    staging = args.out_dir.with_name(f".{args.out_dir.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        convert(fmt, file, staging, args.source, env_id=args.env)
        if args.episodes > 0:
            from zoo.agents.registry import load_run
            from zoo.rundir.card import write_model_card
            from zoo.rundir.files import write_results
            from zoo.training.scoring import score_run

            agent, config = load_run(staging)
            write_results(staging, score_run(agent, config, args.episodes))
            write_model_card(staging)
        staging.rename(args.out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"converted {args.source} ({fmt}) into {args.out_dir}")
    return 0
