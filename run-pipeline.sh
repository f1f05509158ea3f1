#!/usr/bin/env bash
# The whole outboxkit pipeline on this machine, without Docker: builds the plugins, then starts a source database
# with change capture, Kafka and Kafka Connect in one process, MongoDB, registers connect-configs/ through the REST
# API, writes orders, and reports what reached MongoDB. Needs only a JDK 17+; ./mvnw fetches Maven.
# Options: see ./run-pipeline.sh --help
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v java >/dev/null 2>&1; then
  echo "run-pipeline: no 'java' on the PATH. Install a JDK 17 or newer (e.g. apt-get install openjdk-17-jdk-headless)." >&2
  exit 1
fi
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p' | cut -d. -f1)"
if [ "${java_major:-0}" -lt 17 ]; then
  echo "run-pipeline: Java ${java_major:-?} found; a JDK 17 or newer is needed." >&2
  exit 1
fi

# --metrics [--metrics-port N]: the worker runs with the Prometheus JMX exporter agent and ops/jmx-exporter.yml, as
# ops/README tells operators to run theirs. The worker is in this JVM, so the agent goes on this java command line.
metrics_port=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --metrics) metrics_port="${metrics_port:-9404}" ;;
    --metrics-port)
      if [ $# -lt 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]] || [ "$2" -lt 1 ] || [ "$2" -gt 65535 ]; then
        echo "run-pipeline: --metrics-port needs a port number (1-65535)" >&2
        exit 2
      fi
      metrics_port="$2"
      shift
      ;;
    *) args+=("$1") ;;
  esac
  shift
done

if [ "${OUTBOXKIT_SKIP_BUILD:-0}" != 1 ]; then
  echo "Building the plugins and the local pipeline (first run downloads Maven and the dependencies) ..."
  ./mvnw -q -B -pl quickstart -am package -DskipTests -Dmaven.javadoc.skip=true >quickstart-build.log 2>&1 || {
    echo "run-pipeline: the build failed; see quickstart-build.log" >&2
    exit 1
  }
  rm -f quickstart-build.log
fi

agent=()
if [ -n "$metrics_port" ]; then
  agent=("-javaagent:$PWD/quickstart/target/agents/jmx_prometheus_javaagent.jar=127.0.0.1:$metrics_port:$PWD/ops/jmx-exporter.yml"
    "-Doutboxkit.metrics.url=http://127.0.0.1:$metrics_port/metrics")
fi

exec java "${agent[@]}" -Xmx2g -Doutboxkit.repository="$PWD" -Doutboxkit.log.file="$PWD/quickstart/target/quickstart.log" \
  -Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager \
  -Dlog4j2.configurationFile="$PWD/quickstart/target/classes/outboxkit-quickstart-log4j2.xml" \
  -cp "quickstart/target/classes:$(cat quickstart/target/classpath.txt)" dev.outboxkit.quickstart.Main "${args[@]}"
