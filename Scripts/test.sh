#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds in release mode (the numeric tests and
# the real-MNIST integration tests are 10-50x slower in debug builds), runs `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."

Scripts/setup.sh

echo "== swift test (release)"
# Show failures and build output, not one line per passing test; the summary comes last.
set +e
swift test -c release 2>&1 | tee .build-test.log | grep -vE '^(◇|↳|Test Suite|\s+Executed)|started\.$|passed after'
status=${PIPESTATUS[0]}
set -e
grep -E 'Test run with' .build-test.log | tail -1
rm -f .build-test.log
exit "$status"
