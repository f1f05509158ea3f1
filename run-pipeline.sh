#!/usr/bin/env bash
# The whole outboxkit pipeline on this machine, without Docker: builds the plugins, then starts a source database
# with change capture, Kafka and Kafka Connect in one process, MongoDB, registers connect-configs/ through the REST
# API, writes orders, and reports what reached MongoDB. Needs only a JDK 17+; ./mvnw fetches Maven.
# Options: ./run-pipeline.sh --help
set -euo pipefail
cd "$(dirname "$0")"

# --metrics [--metrics-port N]: the worker runs with the Prometheus JMX exporter agent and ops/jmx-exporter.yml, as
# ops/README tells operators to run theirs. The worker is in the Java process, so the agent goes on its command line;
# the options are only looked at here (the Java main checks them and reports wrong ones).
metrics_port=""
previous=""
for arg in "$@"; do
  if [ "$previous" = "--metrics-port" ] && [[ "$arg" =~ ^[0-9]{1,5}$ ]] && [ "$arg" -ge 1 ] && [ "$arg" -le 65535 ]; then
    metrics_port="$arg"
  elif [ "$arg" = "--metrics" ]; then
    metrics_port="${metrics_port:-9404}"
  fi
  previous="$arg"
done
jvm=(--jvm -Xmx2g --jvm "-Doutboxkit.repository=$PWD" --jvm "-Doutboxkit.log.file=$PWD/quickstart/target/quickstart.log"
  --jvm -Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager
  --jvm "-Dlog4j2.configurationFile=$PWD/quickstart/target/classes/outboxkit-quickstart-log4j2.xml")
if [ -n "$metrics_port" ]; then
  jvm+=(--jvm "-javaagent:$PWD/quickstart/target/agents/jmx_prometheus_javaagent.jar=127.0.0.1:$metrics_port:$PWD/ops/jmx-exporter.yml"
    --jvm "-Doutboxkit.metrics.url=http://127.0.0.1:$metrics_port/metrics")
fi
OUTBOXKIT_COMMAND=run-pipeline.sh exec bin/run-class.sh --build quickstart --classpath quickstart "${jvm[@]}" \
  dev.outboxkit.quickstart.Main "$@"
