#!/usr/bin/env bash
# The chaos run: the pipeline as real processes (a KRaft broker, three Kafka Connect workers in distributed mode,
# MongoDB, MariaDB) under a seeded schedule of overlapping faults, then a check that every committed event is in
# MongoDB exactly once. Options: ./chaos.sh --help
set -euo pipefail
cd "$(dirname "$0")"

if [ "${CHAOS_SKIP_BUILD:-}" != "1" ]; then
  echo "Building the plugins, the Kafka runtimes and the harness (first run downloads them) ..."
  ./mvnw -q -B -pl testing/chaos/harness -am package -DskipTests >chaos-build.log 2>&1 || {
    echo "chaos: the build failed; see chaos-build.log" >&2
    exit 1
  }
  rm -f chaos-build.log
fi

exec java -Xmx1g -Doutboxkit.repository="$PWD" \
  -cp "testing/chaos/harness/target/classes:$(cat testing/chaos/harness/target/classpath.txt)" dev.outboxkit.chaos.ChaosMain "$@"
