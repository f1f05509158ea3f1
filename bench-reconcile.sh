#!/usr/bin/env bash
# The reconcile command at scale: an in-process broker and MongoDB-compatible server filled with events (default
# 2,000,000) and known gaps, then reconcile.sh --json in its own small-heap JVM, at a quarter and at the full volume.
# Reports time and peak heap; exits 1 when a count is wrong. Options: [--events N] [--heap 256m]
# The benchmark lives in reconcile's test sources, beside ReconcilerTest and the event-log fixture it shares.
set -euo pipefail
cd "$(dirname "$0")"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  ./mvnw -q -B -pl reconcile -am package -DskipTests >/dev/null
fi
exec java -Xmx12g -Doutboxkit.repository="$PWD" \
  -cp "reconcile/target/test-classes:reconcile/target/classes:$(cat reconcile/target/test-classpath.txt)" \
  dev.outboxkit.reconcile.ReconcileBenchmark "$@"
