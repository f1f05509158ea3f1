#!/usr/bin/env bash
# The one launcher under every command at the root (run-pipeline.sh, reconcile.sh, chaos.sh, bench-*.sh), as Kafka's
# bin/ scripts sit on kafka-run-class.sh: checks Java, builds the module when it is missing or older than the sources,
# then runs one Java main.
#
#   bin/run-class.sh [--build MODULE] (--classpath MODULE | --test-classpath MODULE | --jar FILE) [--jvm OPTION]...
#                    MAIN_CLASS|- [ARGUMENTS...]
#
# OUTBOXKIT_SKIP_BUILD=1 runs what was built last, without looking at the sources (the tests and CI set it after
# the reactor has built everything). Wrong usage of the command itself is the Java main's to report (exit 2).
set -euo pipefail
cd "$(dirname "$0")/.."
name="$(basename "${OUTBOXKIT_COMMAND:-${0}}")"

if ! command -v java >/dev/null 2>&1; then
  echo "$name: no 'java' on the PATH. Install a JDK 17 or newer (e.g. apt-get install openjdk-17-jdk-headless)." >&2
  exit 1
fi
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p' | cut -d. -f1)"
if [ "${java_major:-0}" -lt 17 ]; then
  echo "$name: Java ${java_major:-?} found; a JDK 17 or newer is needed." >&2
  exit 1
fi

build=""
classpath=""
jar=""
jvm=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --classpath) classpath="main:$2"; shift 2 ;;
    --test-classpath) classpath="test:$2"; shift 2 ;;
    --jar) jar="$2"; shift 2 ;;
    --jvm) jvm+=("$2"); shift 2 ;;
    *) break ;;
  esac
done
main="${1:?bin/run-class.sh: the main class (or - with --jar) is missing}"
shift

# Built when missing or when any source, resource or pom of the checkout is newer than the last build of the module.
stale() {
  local stamp="$build/target/outboxkit-build.stamp"
  [ ! -f "$stamp" ] && return 0
  [ -n "$(find . \( -name target -o -name .git -o -name .mvn \) -prune -o \
    \( -name '*.java' -o -name pom.xml -o -path '*/src/main/resources/*' -o -path '*/src/assembly/*' \) \
    -newer "$stamp" -print -quit)" ]
}
wants_help=0
for arg in "$@"; do
  if [ "$arg" = "--help" ] || [ "$arg" = "-h" ]; then wants_help=1; fi
done
if [ -n "$build" ] && [ "${OUTBOXKIT_SKIP_BUILD:-0}" != 1 ] && stale \
  && ! { [ "$wants_help" = 1 ] && [ -f "$build/target/outboxkit-build.stamp" ]; }; then
  echo "$name: building $build (the first run downloads Maven and the dependencies) ..." >&2
  log="$PWD/outboxkit-build.log"
  if ! ./mvnw -q -B -pl "$build" -am package -DskipTests >"$log" 2>&1; then
    echo "$name: the build failed; see $log" >&2
    exit 1
  fi
  rm -f "$log"
  touch "$build/target/outboxkit-build.stamp"
fi

if [ -n "$jar" ]; then
  exec java "${jvm[@]}" -jar "$jar" "$@"
fi
module="${classpath#*:}"
case "$classpath" in
  main:*) cp="$module/target/classes:$(cat "$module/target/classpath.txt")" ;;
  test:*) cp="$module/target/test-classes:$module/target/classes:$(cat "$module/target/test-classpath.txt")" ;;
  *) echo "bin/run-class.sh: give --classpath, --test-classpath or --jar" >&2; exit 1 ;;
esac
exec java "${jvm[@]}" -cp "$cp" "$main" "$@"
