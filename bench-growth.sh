#!/usr/bin/env bash
# How the cost per event grows: outboxkit's pipeline (the database, Debezium with the router, a KRaft broker, a Connect
# worker, the MongoDB log sink) with one dimension growing at a time (aggregate types, sink tasks, payload size, outbox
# tables); prints per point the commit-to-MongoDB latency at a fixed rate and CPU per 1,000 events of each process.
# Options: ./bench-growth.sh --help
set -euo pipefail
cd "$(dirname "$0")"
OUTBOXKIT_COMMAND=bench-growth.sh exec bin/run-class.sh --build testing/chaos/harness --classpath testing/chaos/harness \
  --jvm -Xmx2g --jvm "-Doutboxkit.repository=$PWD" dev.outboxkit.chaos.bench.GrowthBenchmark "$@"
