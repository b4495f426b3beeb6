#!/usr/bin/env bash
# The test command: provisions the test servers, checks formatting, runs every .NET test
# (then the web tests, if any) and ends with the line "N passed, N failed" for .NET and web tests together.
# Exit code: non-zero if provisioning, formatting, the .NET tests or the web tests failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# --- servers (PostgreSQL, RabbitMQ, OpenLDAP, S3, Chromium) --------------------------------------
source scripts/test-env.sh || { echo "test.sh: provisioning the test servers failed" >&2; exit 1; }

# --- formatting ------------------------------------------------------------------------------------
echo "== dotnet format --verify-no-changes"
dotnet format Andon.slnx --verify-no-changes ||
    { echo "test.sh: dotnet format found unformatted code; run 'dotnet format Andon.slnx'" >&2; exit 1; }

# --- .NET tests --------------------------------------------------------------------------------------
# One TRX file per test project. (LogFilePrefix, not LogFileName: with a fixed LogFileName every
# project of a solution writes the same file and only the last one's results survive.)
results="$root/TestResults/trx"
rm -rf "$results"
mkdir -p "$results"
# Reliability and security counts written by the tests (tests/Andon.Testing/Tally.cs).
export ANDON_TEST_TALLY_DIR="$root/TestResults/tally"
rm -rf "$ANDON_TEST_TALLY_DIR"
mkdir -p "$ANDON_TEST_TALLY_DIR"
echo "== dotnet test"
dotnet_rc=0
# Build everything first: tests start the hosts as processes from their build output.
dotnet build Andon.slnx -c Release || dotnet_rc=$?
((dotnet_rc != 0)) || dotnet test Andon.slnx -c Release --no-build \
    --logger "console;verbosity=normal" \
    --logger "trx;LogFilePrefix=results" \
    --results-directory "$results" || dotnet_rc=$?

# --- web tests ---------------------------------------------------------------------------------------
# Unit tests (Vitest, counted from its JUnit report) and browser tests (counted from
# web/test-results/browser.json); both counts join the summary line.
web_results="$root/web/test-results"
run_web_tests() {
    # Runs only once web/package.json exists.
    [[ -f web/package.json ]] || return 0
    echo "== web tests (npm ci && npm test in web/)"
    rm -rf "$web_results"
    (cd web && npm ci --no-audit --no-fund && npm test)
}
web_rc=0
run_web_tests || web_rc=$?
((web_rc == 0)) || echo "test.sh: web tests failed (exit $web_rc)" >&2

# --- summary -----------------------------------------------------------------------------------------
# Sums passed="N" / failed="N" of the <Counters .../> element of every TRX file.
counter_sum() {
    local attr=$1
    {
        find "$results" -name '*.trx' -exec grep -ho '<Counters [^>]*>' {} + 2>/dev/null |
            sed -n "s/.* $attr=\"\([0-9]*\)\".*/\1/p" |
            awk '{ s += $1 } END { print s + 0 }'
    } || true
}
# Vitest's JUnit report: <testsuites ... tests="N" failures="N" errors="N" skipped="N" ...>.
junit_count() {
    local attr=$1 file="$web_results/unit.xml" n=""
    [[ -f $file ]] && n=$(grep -o '<testsuites [^>]*>' "$file" | head -1 | sed -n "s/.* $attr=\"\([0-9]*\)\".*/\1/p") || true
    echo "${n:-0}"
}
# The browser tests' summary (web/e2e/run.mjs): {"passed": N, "failed": N, "skipped": N, ...}.
browser_count() {
    local key=$1 file="$web_results/browser.json" n=""
    [[ -f $file ]] && n=$(sed -n "s/^  \"$key\": \([0-9]*\),\{0,1\}$/\1/p" "$file" | head -1) || true
    echo "${n:-0}"
}
web_total=$(junit_count tests)
web_failed=$(($(junit_count failures) + $(junit_count errors)))
web_skipped=$(junit_count skipped)
web_passed=$((web_total - web_failed - web_skipped + $(browser_count passed)))
web_failed=$((web_failed + $(browser_count failed)))
echo "web tests: passed $web_passed, failed $web_failed, skipped $((web_skipped + $(browser_count skipped)))"
# The reliability and security summary: sums of the counts in TestResults/tally/*.tally.
tally() {
    find "$ANDON_TEST_TALLY_DIR" -name "*.tally" -exec cat {} + 2>/dev/null | awk -v k="$1" '$1 == k { s += $2 } END { print s + 0 }'
}
echo "reliability and security: $(tally faults_survived) faults injected and survived," \
    "$(tally hostile_inputs) hostile inputs tried, $(tally authorization_cells) authorization cells checked," \
    "$(tally messages_checked) acknowledged messages checked: $(tally messages_lost) lost, $(tally messages_duplicated) duplicated"
# The failed .NET tests by name, with the first lines of their messages, so that the end of the
# output says which test failed (the console log above is long).
failed_tests() {
    find "$results" -name '*.trx' -exec awk '
        /<UnitTestResult / { want = 0 }
        /<UnitTestResult / && /outcome="Failed"/ {
            match($0, /testName="[^"]*"/); print "  failed: " substr($0, RSTART + 10, RLENGTH - 11); want = 1 }
        want && /<Message>/ { sub(/.*<Message>/, ""); lines = 0; in_msg = 1 }
        in_msg {
            end = sub(/<\/Message>.*/, ""); print "    " $0
            if (end || ++lines >= 6) { in_msg = 0; want = 0 } }
    ' {} + 2>/dev/null |
        sed -e 's/&#xD;//g' -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g' || true
}
n_passed=$(($(counter_sum passed) + web_passed))
n_failed=$(($(counter_sum failed) + web_failed))
((dotnet_rc == 0)) || { echo "test.sh: dotnet test failed (exit $dotnet_rc)" >&2; failed_tests >&2; }
echo "$n_passed passed, $n_failed failed"
if ((dotnet_rc != 0)); then exit "$dotnet_rc"; fi
exit "$web_rc"
