#!/usr/bin/env bash
# Reconciles Kafka and MongoDB: event ids on the outbox topics versus documents in the event log.
# Exit status 0 when consistent, 1 on any gap. The MongoDB URI comes from MONGODB_URI or --mongo-uri-file, never
# from the command line. Options: ./reconcile.sh --help
#
# Runs reconcile/target/outboxkit-reconcile.jar, the one artifact an operator copies to the machine that runs the check
# (java -jar outboxkit-reconcile.jar --help). In a checkout it is rebuilt first when missing or older than its sources.
set -euo pipefail
cd "$(dirname "$0")"
jar=reconcile/target/outboxkit-reconcile.jar
if [ ! -f "$jar" ] || [ -n "$(find reconcile/src reconcile/pom.xml pom.xml -newer "$jar" -print -quit)" ]; then
  ./mvnw -q -B -pl reconcile -am package -DskipTests >reconcile-build.log 2>&1 || {
    echo "reconcile: the build failed; see reconcile-build.log" >&2
    exit 1
  }
  rm -f reconcile-build.log
fi
# RECONCILE_JAVA_OPTS: JVM options, e.g. -Xmx256m (the comparison runs in constant memory whatever the volume).
exec java ${RECONCILE_JAVA_OPTS:-} -jar "$jar" "$@"
