#!/usr/bin/env bash
# Reconciles Kafka and MongoDB: event ids on the outbox topics versus documents in the event log.
# Exit status 0 when consistent, 1 on any gap. The MongoDB URI comes from MONGODB_URI or --mongo-uri-file, never
# from the command line. Options: ./reconcile.sh --help
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -f quickstart/target/classpath.txt ]; then
  ./mvnw -q -B -pl quickstart -am package -DskipTests >/dev/null
fi
# RECONCILE_JAVA_OPTS: JVM options, e.g. -Xmx256m (the comparison runs in constant memory whatever the volume).
exec java ${RECONCILE_JAVA_OPTS:-} -Doutboxkit.log.file="$PWD/quickstart/target/reconcile.log" \
  -Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager \
  -Dlog4j2.configurationFile="$PWD/quickstart/target/classes/outboxkit-quickstart-log4j2.xml" \
  -cp "quickstart/target/classes:$(cat quickstart/target/classpath.txt)" dev.outboxkit.quickstart.Reconcile "$@"
