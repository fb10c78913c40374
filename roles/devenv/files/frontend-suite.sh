#!/bin/sh
# frontend-suite.sh RESULTS_DIR SCRIPT...
#
# The frontend's suite in the test environment (roles/devenv, tasks/test.yml),
# run in a container of the frontend's development image with the checkout's
# client/ on /app: `npm run <script>` for each script package.json has, in
# the order given, every one even after a failure (a script it does not have
# is skipped, and said so). Each script's result goes to RESULTS_DIR as JUnit
# XML: `node --test` scripts report every test case
# (frontend-<script>-cases.xml), the others one case per script
# (frontend-<script>.xml, with the output's last lines when it fails). Exits
# non-zero when any script failed.
set -u
results=$1
shift
# The root filesystem is read-only and the user may have no home: npm's
# cache and logs go to /tmp.
export npm_config_cache=/tmp/npm-cache npm_config_update_notifier=false npm_config_fund=false \
  npm_config_audit=false NEXT_TELEMETRY_DISABLED=1

# The checkout's client/ (FRONTEND_SUITE_APP for the unit tests).
app=${FRONTEND_SUITE_APP:-/app}

# script_of NAME: the package.json script NAME, empty when there is none.
script_of() {
  node -e 'const s = (require(process.argv[1]).scripts || {})[process.argv[2]]; process.stdout.write(s || "")' \
    "$app/package.json" "$1"
}

# xml_text FILE: the last lines of FILE, fit for XML text (no escape
# sequences, no control characters, & < > escaped).
xml_text() {
  tail -n 40 "$1" | sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' | tr -d '\000-\010\013\014\016-\037' \
    | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'
}

# step_report NAME RC SECONDS LOG: one JUnit test case for `npm run NAME`.
step_report() {
  {
    printf '<?xml version="1.0" encoding="utf-8"?>\n'
    printf '<testsuites><testsuite name="frontend" tests="1" failures="%s" time="%s">\n' "$([ "$2" -eq 0 ] && echo 0 || echo 1)" "$3"
    printf '<testcase classname="frontend" name="npm run %s" time="%s">' "$1" "$3"
    if [ "$2" -ne 0 ]; then
      printf '<failure message="npm run %s exited with status %s">' "$1" "$2"
      xml_text "$4"
      printf '</failure>'
    fi
    printf '</testcase>\n</testsuite></testsuites>\n'
  } >"$results/frontend-$1.xml"
}

status=0
for name in "$@"; do
  script=$(script_of "$name")
  if [ -z "$script" ]; then
    echo "frontend-suite: package.json has no '$name' script: skipped"
    continue
  fi
  echo "frontend-suite: npm run $name ($script)"
  log=/tmp/frontend-$name.log
  cases=$results/frontend-$name-cases.xml
  start=$(date +%s)
  case $script in
    "node --test"*)
      # node's own reporters: the usual one on the output, JUnit into the results.
      { npm run "$name" -- --test-reporter=spec --test-reporter-destination=stdout \
          --test-reporter=junit --test-reporter-destination="$cases"; echo $? >/tmp/frontend-rc; } 2>&1 | tee "$log" ;;
    *)
      # A production build: Next.js builds for NODE_ENV=production only.
      if [ "$name" = build ]; then export NODE_ENV=production; fi
      { npm run "$name"; echo $? >/tmp/frontend-rc; } 2>&1 | tee "$log"
      if [ "$name" = build ]; then export NODE_ENV=development; fi ;;
  esac
  rc=$(cat /tmp/frontend-rc)
  seconds=$(($(date +%s) - start))
  if [ ! -s "$cases" ]; then
    step_report "$name" "$rc" "$seconds" "$log"
  fi
  echo "frontend-suite: npm run $name: exit $rc in ${seconds}s"
  if [ "$rc" -ne 0 ]; then status=1; fi
done
exit "$status"
