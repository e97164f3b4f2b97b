#!/usr/bin/env bash
# The console in headless Chromium against a real province on loopback: a
# fresh CA, truc-hub with its console, agents for some agencies, an express
# document; then console.mjs drives the browser. Screenshots are kept in
# $ARTIFACTS (default <build>/tests/browser-artifacts).
#
#   tests/browser/run.sh BUILD_DIR
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD="$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)"
TRUC="$BUILD/cli/truc"
HUB="$BUILD/hub/truc-hub"
AGENT="$BUILD/edge-agent/truc-agent"
export ARTIFACTS="${ARTIFACTS:-$BUILD/tests/browser-artifacts}"
mkdir -p "$ARTIFACTS"
CHROMIUM="${CHROMIUM:-$(command -v chromium || true)}"
[ -x "$CHROMIUM" ] || { echo "browser test: error: Debian's chromium is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }
[ -d "$HERE/node_modules/playwright-core" ] || { echo "browser test: error: run 'npm ci' in tests/browser (scripts/install-deps.sh does)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/truc-browser.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

OFFICE=000.01.00.H99 HEALTH=000.07.00.H99 FINANCE=000.03.00.H99 YTICH=000.21.30.H99

mkdir -p "$WORK"/{ca,certs,profiles,hub,agents}
"$TRUC" ca init --dir "$WORK/ca" --name "CA tỉnh Lạng Sơn (thử)" >/dev/null
"$TRUC" ca issue --dir "$WORK/ca" --hub hub --out "$WORK/certs" >/dev/null
# The hub picks free ports itself and writes them down.
cat > "$WORK/hub/hub.conf" <<CONF
listen_address: "127.0.0.1:0"
data_dir: "data"
port_file: "hub.port"
tls { ca_cert: "../ca/ca.crt" cert: "../certs/hub.crt" key: "../certs/hub.key" }
lease_seconds: 5
silence_threshold_seconds: 60
# Two live boards at once, so that a third is refused and retries.
console { listen_address: "127.0.0.1:0" port_file: "console.port" max_event_streams: 2 }
alerts { silent_agency_seconds: 2 check_seconds: 1 }
CONF
"$HUB" --config "$WORK/hub/hub.conf" >>"$WORK/hub/hub.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/hub/hub.port" ] && break; sleep 0.1; done
[ -s "$WORK/hub/hub.port" ] || { cat "$WORK/hub/hub.log" >&2; exit 1; }
PORT="$(tr -d '[:space:]' < "$WORK/hub/hub.port")"
"$TRUC" ca issue --dir "$WORK/ca" --operator van-thu --out "$WORK/certs" \
  --profile-out "$WORK/profiles/operator.profile" --hub-address "127.0.0.1:$PORT" >/dev/null
for code in $OFFICE $HEALTH $FINANCE $YTICH; do
  "$TRUC" ca issue --dir "$WORK/ca" --agency "$code" --out "$WORK/certs" \
    --profile-out "$WORK/profiles/$code.profile" --hub-address "127.0.0.1:$PORT" >/dev/null
done

export TRUC_PROFILE="$WORK/profiles/operator.profile"
"$TRUC" agency import "$ROOT/deploy/sample-province.csv" >/dev/null
# An agency beyond the province, reached through a bridge (none runs here).
"$TRUC" agency add 000.00.00.G22 "Văn phòng Chính phủ" --bridge quoc-gia >/dev/null
echo "mat-khau-quan-tri-2026" | "$TRUC" account add quantri --role operator \
  --display-name "Trần Minh Quân" --password-stdin >/dev/null
echo "mat-khau-van-phong-2026" | "$TRUC" account add vanthu.vp --role clerk \
  --agency $OFFICE --display-name "Nguyễn Thị Lan" --password-stdin >/dev/null
echo "mat-khau-so-y-te-2026" | "$TRUC" account add minh.syt --role clerk \
  --agency $HEALTH --display-name "Lê Văn Minh" --password-stdin >/dev/null

agent_conf() {
  mkdir -p "$WORK/agents/$1"
  cat > "$WORK/agents/$1/agent.conf" <<CONF
hub_address: "127.0.0.1:$PORT"
tls { ca_cert: "../../ca/ca.crt" cert: "../../certs/$1.crt" key: "../../certs/$1.key" }
base_dir: "."
poll_wait_seconds: 5
retry_max_millis: 1000
CONF
}
for code in $OFFICE $HEALTH $FINANCE $YTICH; do agent_conf $code; done
for code in $OFFICE $HEALTH; do
  "$AGENT" run --config "$WORK/agents/$code/agent.conf" >>"$WORK/agents/$code/agent.log" 2>&1 &
  PIDS+=($!)
done
sleep 1

printf 'Công văn hỏa tốc (thử)\n' > "$WORK/cv.txt"
export TRUC_PROFILE="$WORK/profiles/$OFFICE.profile"
DOC=$("$TRUC" send --to "$HEALTH,$FINANCE,$YTICH" \
  --subject "V/v triển khai khẩn cấp các biện pháp ứng phó bão số 9" \
  --number 45 --notation UBND-VP --type "Công văn" --signer "Nguyễn Văn An" \
  --urgency express "$WORK/cv.txt")
for _ in $(seq 100); do
  "$TRUC" status "$DOC" | grep -q "^1 of 3 received" && break; sleep 0.1
done
REMOTE_DOC=$("$TRUC" send --to 000.00.00.G22 \
  --subject "V/v báo cáo tình hình mưa lũ" \
  --number 46 --notation UBND-VP --type "Báo cáo" --signer "Nguyễn Văn An" \
  --urgency express "$WORK/cv.txt")

export CONSOLE_URL="https://127.0.0.1:$(cat "$WORK/hub/console.port")"
export DOC REMOTE_DOC CHROMIUM
export FINANCE_AGENT_CMD="$AGENT run --config $WORK/agents/$FINANCE/agent.conf"
node "$HERE/console.mjs"
