#!/usr/bin/env bash
# The reconcile command at scale: an in-process broker and MongoDB-compatible server filled with events (default
# 2,000,000) and known gaps, then reconcile.sh --json in its own small-heap JVM, at a quarter and at the full volume.
# Reports time and peak heap; exits 1 when a count is wrong. Options: [--events N] [--heap 256m]
set -euo pipefail
cd "$(dirname "$0")"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  ./mvnw -q -B -pl quickstart -am package -DskipTests >/dev/null
fi
exec java -Xmx12g -Doutboxkit.repository="$PWD" -Doutboxkit.log.file="$PWD/quickstart/target/bench-reconcile.log" \
  -Dlog4j2.configurationFile="$PWD/quickstart/target/classes/outboxkit-quickstart-log4j2.xml" \
  -cp "quickstart/target/classes:$(cat quickstart/target/classpath.txt)" dev.outboxkit.quickstart.bench.ReconcileBenchmark "$@"
