#!/usr/bin/env bash
# A demo province on loopback: a fresh CA, a hub on an embedded RocksDB, the
# provincial office and four recipient agencies each with its own agent (one
# of them, a commune, left stopped), an express document sent to all, and
# the table of who has and who has not received it.
#
#   deploy/demo.sh          install what is missing, build, start the demo
#   deploy/demo.sh stop     stop everything the demo started
#   deploy/demo.sh federation [stop]
#                           the demo country instead: a national hub and two
#                           provinces linked by bridges (demo-federation.sh)
#
# Everything lives under ./demo (or $TRUC_DEMO_DIR); the hub listens on
# 127.0.0.1:$TRUC_DEMO_PORT (default 7443), its web console on
# https://127.0.0.1:$TRUC_DEMO_CONSOLE_PORT/ (default 8443), its national-axis
# API (for agencies' document software) on
# https://127.0.0.1:$TRUC_DEMO_AXIS_PORT/ (default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
DEMO="${TRUC_DEMO_DIR:-$ROOT/demo}"
PORT="${TRUC_DEMO_PORT:-7443}"
CONSOLE_PORT="${TRUC_DEMO_CONSOLE_PORT:-8443}"
AXIS_PORT="${TRUC_DEMO_AXIS_PORT:-8080}"
BUILD="${TRUC_BUILD_DIR:-$ROOT/build}"
TRUC="$BUILD/cli/truc"
HUB="$BUILD/hub/truc-hub"
AGENT="$BUILD/edge-agent/truc-agent"

OFFICE=000.01.00.H99
RECIPIENTS=(000.07.00.H99 000.03.00.H99 000.02.00.H99 000.21.30.H99)
declare -A NAMES=(
  [000.01.00.H99]="Văn phòng UBND tỉnh Lạng Sơn"
  [000.07.00.H99]="Sở Y tế"
  [000.03.00.H99]="Sở Tài chính"
  [000.02.00.H99]="Sở Nội vụ"
  [000.21.30.H99]="UBND xã Y Tịch"
)
STOPPED=000.21.30.H99  # the commune whose system is down

stop_all() {
  local found=0
  for pidfile in "$DEMO"/agents/*/agent.pid "$DEMO"/hub/hub.pid; do
    [ -f "$pidfile" ] || continue
    local pid
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" && found=1
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidfile"
  done
  [ "$found" = 1 ] && echo "demo: stopped the hub and agents under $DEMO" || true
}

if [ "${1:-start}" = "federation" ]; then
  # The demo country: a national hub, two provinces and their bridges.
  exec "$ROOT/deploy/demo-federation.sh" "${2:-start}"
fi
if [ "${1:-start}" = "stop" ]; then
  stop_all
  exit 0
fi
if [ "${1:-start}" != "start" ]; then
  echo "usage: deploy/demo.sh [start|stop|federation [stop]]" >&2
  exit 2
fi

TRUC_SKIP_BROWSER=1 ./scripts/install-deps.sh
TRUC_BUILD_DIR="$BUILD" ./scripts/build.sh truc-hub truc-agent truc
stop_all
rm -rf "$DEMO"
mkdir -p "$DEMO"/{ca,certs,profiles,hub,agents,outgoing}

echo "== A province CA and certificates"
"$TRUC" ca init --dir "$DEMO/ca" --name "CA tỉnh Lạng Sơn (demo)"
"$TRUC" ca issue --dir "$DEMO/ca" --hub hub --out "$DEMO/certs" >/dev/null
"$TRUC" ca issue --dir "$DEMO/ca" --operator van-thu --out "$DEMO/certs" \
  --profile-out "$DEMO/profiles/operator.profile" --hub-address "127.0.0.1:$PORT" >/dev/null
for code in "$OFFICE" "${RECIPIENTS[@]}"; do
  "$TRUC" ca issue --dir "$DEMO/ca" --agency "$code" --name "${NAMES[$code]}" --out "$DEMO/certs" \
    --profile-out "$DEMO/profiles/$code.profile" --hub-address "127.0.0.1:$PORT" >/dev/null
done

echo "== The hub on 127.0.0.1:$PORT (RocksDB under $DEMO/hub/data)"
cat > "$DEMO/hub/hub.conf" <<CONF
listen_address: "127.0.0.1:$PORT"
data_dir: "data"
port_file: "hub.port"
tls { ca_cert: "../ca/ca.crt" cert: "../certs/hub.crt" key: "../certs/hub.key" }
lease_seconds: 30
silence_threshold_seconds: 120
axis_organ_id: "000.00.00.H99"
console { listen_address: "127.0.0.1:$CONSOLE_PORT" }
# The national axis's API, for document software written for the axis.
axis_api { listen_address: "127.0.0.1:$AXIS_PORT" }
# Short, for the demo: an agency is alerted as silent after 20 s (the
# defaults are 10 min for express documents and an hour of silence).
alerts { express_arrival_seconds: 60 silent_agency_seconds: 20 check_seconds: 2 }
notify { console_url: "https://127.0.0.1:$CONSOLE_PORT/" }
CONF
setsid nohup "$HUB" --config "$DEMO/hub/hub.conf" >>"$DEMO/hub/hub.log" 2>&1 < /dev/null &
echo $! > "$DEMO/hub/hub.pid"
for _ in $(seq 100); do [ -f "$DEMO/hub/hub.port" ] && break; sleep 0.1; done
if [ ! -f "$DEMO/hub/hub.port" ]; then
  echo "demo: error: the hub did not start; its log:" >&2
  cat "$DEMO/hub/hub.log" >&2
  exit 1
fi

export TRUC_PROFILE="$DEMO/profiles/operator.profile"
echo "== The directory (deploy/sample-province.csv)"
"$TRUC" agency import deploy/sample-province.csv

echo "== Console accounts (each password is drawn, shown once, changed at the first log-in)"
"$TRUC" account add quantri --role operator --display-name "Trần Minh Quân" \
  | tee "$DEMO/console-accounts.txt"
"$TRUC" account add vanthu.vp --role clerk --agency "$OFFICE" --display-name "Nguyễn Thị Lan" \
  | tee -a "$DEMO/console-accounts.txt"
chmod 600 "$DEMO/console-accounts.txt"

echo "== Agents"
for code in "$OFFICE" "${RECIPIENTS[@]}"; do
  dir="$DEMO/agents/$code"
  mkdir -p "$dir"
  cat > "$dir/agent.conf" <<CONF
hub_address: "127.0.0.1:$PORT"
tls { ca_cert: "../../ca/ca.crt" cert: "../../certs/$code.crt" key: "../../certs/$code.key" }
base_dir: "."
poll_wait_seconds: 20
CONF
  if [ "$code" = "$STOPPED" ]; then
    echo "   $code ${NAMES[$code]}: agent NOT started (its system is down)"
    continue
  fi
  setsid nohup "$AGENT" run --config "$dir/agent.conf" >>"$dir/agent.log" 2>&1 < /dev/null &
  echo $! > "$dir/agent.pid"
  echo "   $code ${NAMES[$code]}: agent running, inbox $dir/inbox"
done
sleep 1

echo "== The office sends an express document to all four"
DOCFILE="$DEMO/outgoing/Công văn 45-UBND-VP.txt"
cat > "$DOCFILE" <<TEXT
ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN
Số: 45/UBND-VP
V/v triển khai khẩn cấp các biện pháp ứng phó bão số 9

Kính gửi: Sở Y tế, Sở Tài chính, Sở Nội vụ, UBND xã Y Tịch.
(Văn bản minh họa cho bản chạy thử của truc.)
TEXT
export TRUC_PROFILE="$DEMO/profiles/$OFFICE.profile"
DOC=$("$TRUC" send --to "$(IFS=,; echo "${RECIPIENTS[*]}")" \
  --subject "V/v triển khai khẩn cấp các biện pháp ứng phó bão số 9" \
  --number 45 --notation UBND-VP --type "Công văn" \
  --signer "Nguyễn Văn An" --signer-position "Chủ tịch" --place "Lạng Sơn" \
  --urgency express "$DOCFILE")
echo "   document id: $DOC"

# Wait (at most 15 s) for the three running agents to acknowledge.
for _ in $(seq 75); do
  if "$TRUC" status "$DOC" | grep -q "^3 of 4 received"; then break; fi
  sleep 0.2
done

echo
echo "== Who has and who has not received it (truc status $DOC)"
"$TRUC" status "$DOC"
echo
echo "== The office's document software, through the national axis's API (https://127.0.0.1:$AXIS_PORT)"
echo "   An operator adds a system for the office; its id and secret are shown once:"
TRUC_PROFILE="$DEMO/profiles/operator.profile" "$TRUC" system add --agency "$OFFICE" \
  --name "Phần mềm quản lý văn bản của Văn phòng UBND tỉnh" \
  --profile-out "$DEMO/profiles/$OFFICE.axis" --url "https://127.0.0.1:$AXIS_PORT" \
  --ca "$DEMO/ca/ca.crt" | sed 's/^/   /'
echo "   The software sends an edXML file (deploy/demo-cv46.edxml), as it would to the national axis:"
echo "   \$ truc axis --axis-profile $DEMO/profiles/$OFFICE.axis send deploy/demo-cv46.edxml"
DOC2=$("$TRUC" axis --axis-profile "$DEMO/profiles/$OFFICE.axis" send deploy/demo-cv46.edxml)
echo "   document id: $DOC2"
for _ in $(seq 75); do
  if "$TRUC" status "$DOC2" | grep -q "^1 of 2 received"; then break; fi
  sleep 0.2
done
echo
echo "== It is a truc document like any other (truc status $DOC2)"
"$TRUC" status "$DOC2"
echo
echo "== Documents some unit has not received (operator: truc pending --urgency express)"
TRUC_PROFILE="$DEMO/profiles/operator.profile" "$TRUC" pending --urgency express
echo
echo "== The alert the hub raises for the silent commune (truc alert list; at most 30 s)"
for _ in $(seq 60); do
  TRUC_PROFILE="$DEMO/profiles/operator.profile" "$TRUC" alert list | grep -q "^No alert" || break
  sleep 0.5
done
TRUC_PROFILE="$DEMO/profiles/operator.profile" "$TRUC" alert list

cat <<DONE

The demo province is running (hub pid $(cat "$DEMO/hub/hub.pid"), log $DEMO/hub/hub.log).

The operations room: open https://127.0.0.1:$CONSOLE_PORT/ in a browser and log in
as quantri (operator) or vanthu.vp (the office's clerk) with the password
printed above (also in $DEMO/console-accounts.txt). The hub's certificate is
from the demo CA: trust $DEMO/ca/ca.crt in the browser, or accept the warning.
The board shows the express document, UBND xã Y Tịch not received and SILENT,
and the alert raised for it.

Profiles it wrote:
  office:   $DEMO/profiles/$OFFICE.profile
  operator: $DEMO/profiles/operator.profile
  the office's document software, on the national axis's API:
            $DEMO/profiles/$OFFICE.axis   (docs/AXIS-API.md)
Try:
  export TRUC_PROFILE=$DEMO/profiles/operator.profile
  $TRUC status $DOC
  $TRUC status $DOC --evidence      # every signature, checked with the CA certificate
  $TRUC agency list
  $TRUC audit verify                # the tamper-evident log, recomputed
    TRUC_PROFILE=$DEMO/profiles/$OFFICE.profile $TRUC sent --outstanding   # the office's own view
  $TRUC axis --axis-profile $DEMO/profiles/$OFFICE.axis sent        # as the office's software sees it
  $TRUC axis --axis-profile $DEMO/profiles/$OFFICE.axis agencies    # the directory, as the axis gives it
  # bring the commune's system back, and watch it receive the document:
  $AGENT run --config $DEMO/agents/$STOPPED/agent.conf
Stop everything the demo started:
  deploy/demo.sh stop
DONE
