#!/usr/bin/env bash
# The reconcile command at scale: an in-process broker and MongoDB-compatible server filled with events (default
# 2,000,000) and known gaps, then reconcile.sh --json in its own small-heap JVM, at a quarter and at the full volume.
# Reports time and peak heap; exits 1 when a count is wrong. Options: ./bench-reconcile.sh --help
# The benchmark lives in reconcile's test sources, beside ReconcilerTest and the event-log fixture it shares.
set -euo pipefail
cd "$(dirname "$0")"
OUTBOXKIT_COMMAND=bench-reconcile.sh exec bin/run-class.sh --build reconcile --test-classpath reconcile \
  --jvm -Xmx12g --jvm "-Doutboxkit.repository=$PWD" dev.outboxkit.reconcile.ReconcileBenchmark "$@"
