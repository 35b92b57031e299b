#!/usr/bin/env bash
# Soak benchmark (not part of CI): teefs up with three mirrors, a mixed workload for MINUTES (default 10) and a fault
# every ~FAULT_EVERY seconds (default 4). Run as root after `mvn -q -DskipTests package`. Result: see docs/BENCHMARKS.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec python3 "$here/soak.py" "${1:-10}" "${2:-4}"
