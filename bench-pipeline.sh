#!/usr/bin/env bash
# The end-to-end benchmark: the real pipeline (the database, Debezium, a KRaft broker, a Connect worker, MongoDB) for
# outboxkit and for the peer stack (Debezium's EventRouter + the official MongoDB sink), one after the other on fresh
# processes with the same workload; prints commit-to-MongoDB latency at fixed rates, throughput and backlog catch-up.
# Options: ./bench-pipeline.sh --help
set -euo pipefail
cd "$(dirname "$0")"

if [ "${BENCH_SKIP_BUILD:-}" != "1" ]; then
  echo "Building the plugins, the Kafka runtimes and the harness (first run downloads them) ..."
  ./mvnw -q -B -pl testing/chaos/harness -am package -DskipTests >bench-build.log 2>&1 || {
    echo "bench-pipeline: the build failed; see bench-build.log" >&2
    exit 1
  }
  rm -f bench-build.log
fi

exec java -Xmx2g -Doutboxkit.repository="$PWD" \
  -cp "testing/chaos/harness/target/classes:$(cat testing/chaos/harness/target/classpath.txt)" dev.outboxkit.chaos.bench.PipelineBenchmark "$@"
