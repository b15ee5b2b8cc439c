#!/usr/bin/env bash
# Distributed training with torchrun: tools/dist_train.sh CONFIG NUM_PROCESSES [ARGS...]
# On CPU the gloo backend is used; on GPUs nccl (set in the config's env_cfg).
CONFIG=$1
NPROC=$2
shift 2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
cd "$(dirname "$0")/.." || exit 1
PYTHONPATH="$PWD:${PYTHONPATH:-}" exec python -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" --master_port="$PORT" \
    tools/train.py "$CONFIG" --launcher pytorch "$@"
