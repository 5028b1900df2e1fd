#!/usr/bin/env bash
# Fine-tune the shipped Pong agent on a GPU machine lent for a few minutes (issue 20: "one prepared training run
# there, weights back through $OUT"), then evaluate it on the CPU at home.
#
# On the GPU machine, from the repo root, with the wheels it lacks in .whl/ (gymnasium, ale-py,
# farama-notifications, and value-zoo itself: `pip wheel --no-deps --no-build-isolation -w .whl .`):
#     OUT=/some/dir MINUTES=8 bash benchmarks/pong_gpu.sh
# First (PROFILE=0 skips it, ~1 min) it times one stage of the loop after another with the same envs and updates
# (`benchmarks/pong.py --loop-stages --device cuda`, each stage's clock stopped after the GPU's queue drains) into
# $OUT/profile.log: the seventh session's 598 agent steps/s on an H200 came without knowing which stage held it.
# It writes $OUT/train.log, $OUT/run.tar (the run directory without its replay, checkpoint and snapshots) and
# $OUT/snapshots.tar. Back home: untar run.tar into a run directory, then
#     zoo eval RUN --write                          # the held-out final evaluation, on this CPU, into the card
#     python benchmarks/pong_eval.py RUN --games 100  # the bench games every shipped agent is compared on
#
# The recipe is the sixth session's CPU fine-tune (ft-C: lr 1.5e-5, ε 0.01, Double + dueling, 3-step) with the
# GPU's envs and batch: 16 envs instead of 2, four updates of 64 per vector step (the same 16 replayed samples
# per agent step, half the updates per sample), the target synced every 1,000 updates as there (4,000 env steps
# at 4 updates per 16 steps), a replay of 400k steps. Periodic evaluations play 32 games on `select` seeds.
set -uo pipefail
OUT=${OUT:?set OUT to the folder that comes back}
MINUTES=${MINUTES:-8}
RUN=${RUN:-/tmp/pong-gpu}
SEED=${SEED:-29}
DEVICE=${DEVICE:-cuda}  # DEVICE=cpu MINUTES=1: a smoke test of this script at home
PYTHON=${PYTHON:-python3}
if [ -d .whl ] && [ "$DEVICE" = cuda ]; then  # the GPU machine has torch but not these
    "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        || exit 1
    export PYTHONPATH=/tmp/site
fi
export PYTHONUNBUFFERED=1
{
    date -u
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
    lscpu | grep -E '^Model name|^CPU\(s\)'
    "$PYTHON" -c "import torch, gymnasium, ale_py; print('torch', torch.__version__, torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU', \
'| gymnasium', gymnasium.__version__, '| ale_py', ale_py.__version__)"
} 2>&1 | tee "$OUT/train.log"
if [ "${PROFILE:-1}" = 1 ]; then
    timeout 150 "$PYTHON" benchmarks/pong.py --loop-stages --device "$DEVICE" --steps "${PROFILE_STEPS:-12000}" \
        --set num_envs=16 batch_size=64 gradient_steps=4 2>&1 | tee "$OUT/profile.log"
fi
# SIGINT, as Ctrl-C: the loop stops, keeps the best-evaluated weights and writes the run directory. The margin over
# the time limit covers start-up and the periodic evaluations (66 s for three on the H200 machine); on 2026-12-04 a
# margin of 90 s cut the final evaluation, which `zoo eval RUN --write` at home makes anyway.
timeout -s INT "${LIMIT_S:-$((MINUTES * 60 + 150))}" "$PYTHON" -m zoo.cli train dqn ALE/Pong-v5 --device "$DEVICE" --init-from pong \
    --seed "$SEED" --steps 20000000 --time-limit "$MINUTES" --num-envs 16 --batch-size 64 --gradient-steps 4 \
    --learning-rate 1.5e-5 --target-update-interval 4000 --buffer-size 400000 --learning-starts 20000 \
    --epsilon-start 0.01 --epsilon-final 0.01 --epsilon-decay-steps 1 --eval-every 100000 \
    --periodic-eval-episodes 32 --eval-protocol sticky --eval-episodes 16 --snapshot-every 200000 \
    --no-video --no-tensorboard --no-progress --out "$RUN" 2>&1 | tee -a "$OUT/train.log"
date -u | tee -a "$OUT/train.log"
tar -C "$RUN" --exclude='checkpoint*' --exclude='replay*' --exclude=snapshots --exclude=tensorboard -cf "$OUT/run.tar" .
[ -d "$RUN/snapshots" ] && tar -C "$RUN" -cf "$OUT/snapshots.tar" snapshots
{ ls -la "$RUN" "$OUT"; cat "$RUN/evaluations.csv"; tail -n 3 "$RUN/metrics.csv"; } 2>&1 | tee -a "$OUT/train.log"
