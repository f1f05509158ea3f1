#!/usr/bin/env bash
# Reconciles Kafka and MongoDB: event ids on the outbox topics versus documents in the event log.
# Exit status 0 when consistent, 1 on any gap, 2 on wrong usage. The MongoDB URI comes from MONGODB_URI or
# --mongo-uri-file, never from the command line. Options: ./reconcile.sh --help
#
# Runs reconcile/target/outboxkit-reconcile.jar, the one artifact an operator copies to the machine that runs the check
# (java -jar outboxkit-reconcile.jar --help); in a checkout it is rebuilt first when older than the sources.
# RECONCILE_JAVA_OPTS: JVM options, e.g. -Xmx256m (the comparison runs in constant memory whatever the volume).
set -euo pipefail
cd "$(dirname "$0")"
jvm=()
for option in ${RECONCILE_JAVA_OPTS:-}; do
  jvm+=(--jvm "$option")
done
OUTBOXKIT_COMMAND=reconcile.sh exec bin/run-class.sh --build reconcile --jar reconcile/target/outboxkit-reconcile.jar \
  "${jvm[@]}" - "$@"
