#!/usr/bin/env bash
# Reconciles Kafka and MongoDB: event ids on the outbox topics versus documents in the event log.
# Exit status 0 when consistent, 1 on any gap. Options: ./reconcile.sh --help
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -f quickstart/target/classpath.txt ]; then
  ./mvnw -q -B -pl quickstart -am package -DskipTests >/dev/null
fi
exec java -Doutboxkit.log.file="$PWD/quickstart/target/reconcile.log" \
  -Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager \
  -Dlog4j2.configurationFile="$PWD/quickstart/target/classes/outboxkit-quickstart-log4j2.xml" \
  -cp "quickstart/target/classes:$(cat quickstart/target/classpath.txt)" dev.outboxkit.quickstart.Reconcile "$@"
