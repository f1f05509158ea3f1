#!/usr/bin/env bash
# The end-to-end benchmark: the real pipeline (the database, Debezium, a KRaft broker, a Connect worker, MongoDB) for
# outboxkit and for the peer stack (Debezium's EventRouter + the official MongoDB sink), one after the other on fresh
# processes with the same workload; prints commit-to-MongoDB latency at fixed rates, throughput and backlog catch-up.
# Options: ./bench-pipeline.sh --help
set -euo pipefail
cd "$(dirname "$0")"
OUTBOXKIT_COMMAND=bench-pipeline.sh exec bin/run-class.sh --build testing/chaos/harness --classpath testing/chaos/harness \
  --jvm -Xmx2g --jvm "-Doutboxkit.repository=$PWD" dev.outboxkit.chaos.bench.PipelineBenchmark "$@"
