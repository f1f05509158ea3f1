#!/usr/bin/env bash
# The chaos run: the pipeline as real processes (a KRaft broker, three Kafka Connect workers in distributed mode,
# MongoDB, MariaDB) under a seeded schedule of overlapping faults, then a check that every committed event is in
# MongoDB exactly once. Options: ./chaos.sh --help
set -euo pipefail
cd "$(dirname "$0")"
OUTBOXKIT_COMMAND=chaos.sh exec bin/run-class.sh --build testing/chaos/harness --classpath testing/chaos/harness \
  --jvm -Xmx1g --jvm "-Doutboxkit.repository=$PWD" dev.outboxkit.chaos.ChaosMain "$@"
