#!/usr/bin/env bash
# A demo country on loopback: a national hub and two province hubs (Lạng
# Sơn and Hải Dương), each with its own CA, each province linked to the
# national tier by its truc-bridge. Lạng Sơn's provincial office sends one
# express document to its own Sở Y tế, to Hải Dương's Sở Y tế and one of its
# communes (whose system is down), and to the Government Office at the
# national tier; the office's table then lists every final recipient,
# across both provinces, with who has and who has not received it.
#
#   deploy/demo-federation.sh        install what is missing, build, start
#   deploy/demo-federation.sh stop   stop everything it started
#   (also: deploy/demo.sh federation [stop])
#
# Everything lives under ./demo-federation (or $TRUC_FEDERATION_DIR); the
# hubs listen on 127.0.0.1, ports $TRUC_FEDERATION_PORT (default 7450, the
# national hub) and the next two (Lạng Sơn, Hải Dương).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
DEMO="${TRUC_FEDERATION_DIR:-$ROOT/demo-federation}"
BASE_PORT="${TRUC_FEDERATION_PORT:-7450}"
BUILD="${TRUC_BUILD_DIR:-$ROOT/build}"
TRUC="$BUILD/cli/truc"
HUB="$BUILD/hub/truc-hub"
AGENT="$BUILD/edge-agent/truc-agent"
BRIDGE="$BUILD/bridge/truc-bridge"

TIERS=(quoc-gia lang-son hai-duong)
declare -A PORT=([quoc-gia]=$BASE_PORT [lang-son]=$((BASE_PORT + 1))
                 [hai-duong]=$((BASE_PORT + 2)))
declare -A CA_NAME=([quoc-gia]="CA trục quốc gia (demo)"
                    [lang-son]="CA tỉnh Lạng Sơn (demo)"
                    [hai-duong]="CA tỉnh Hải Dương (demo)")
declare -A HUB_NAME=([quoc-gia]="Trục quốc gia" [lang-son]="Trục tỉnh Lạng Sơn"
                     [hai-duong]="Trục tỉnh Hải Dương")
# Each tier's own agencies: code|name|agent (yes: started, no: down).
declare -A AGENCIES=(
  [quoc-gia]="000.00.00.G22|Văn phòng Chính phủ|yes"
  [lang-son]="000.01.00.H99|Văn phòng UBND tỉnh Lạng Sơn|yes
000.07.00.H99|Sở Y tế tỉnh Lạng Sơn|yes"
  [hai-duong]="000.00.00.H26|UBND tỉnh Hải Dương|no
000.07.00.H26|Sở Y tế tỉnh Hải Dương|yes
000.21.30.H26|UBND xã Thanh Hải|no"
)
OFFICE=000.01.00.H99
RECIPIENTS=(000.07.00.H99 000.07.00.H26 000.21.30.H26 000.00.00.G22)

stop_all() {
  local found=0
  for pidfile in "$DEMO"/*/bridge/bridge.pid "$DEMO"/*/agents/*/agent.pid \
                 "$DEMO"/*/hub/hub.pid; do
    [ -f "$pidfile" ] || continue
    local pid
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" && found=1
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidfile"
  done
  [ "$found" = 1 ] && echo "demo-federation: stopped the hubs, bridges and agents under $DEMO" || true
}

case "${1:-start}" in
  stop) stop_all; exit 0 ;;
  start) ;;
  *) echo "usage: deploy/demo-federation.sh [start|stop]" >&2; exit 2 ;;
esac

TRUC_SKIP_BROWSER=1 ./scripts/install-deps.sh
TRUC_BUILD_DIR="$BUILD" ./scripts/build.sh truc-hub truc-agent truc truc-bridge
stop_all
rm -rf "$DEMO"

# start_daemon PIDFILE LOG COMMAND...
start_daemon() {
  local pidfile="$1" log="$2"
  shift 2
  setsid nohup "$@" >>"$log" 2>&1 < /dev/null &
  echo $! > "$pidfile"
}

# wait_for SECONDS COMMAND...: until the command succeeds.
wait_for() {
  local tries=$(($1 * 5))
  shift
  for _ in $(seq "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

echo "== Three CAs, three hubs (embedded RocksDB each), each given the others' CAs"
for tier in "${TIERS[@]}"; do
  dir="$DEMO/$tier"
  mkdir -p "$dir"/{ca,certs,profiles,hub,agents,bridge}
  "$TRUC" ca init --dir "$dir/ca" --name "${CA_NAME[$tier]}" >/dev/null
  "$TRUC" ca issue --dir "$dir/ca" --hub hub --out "$dir/certs" >/dev/null
  "$TRUC" ca issue --dir "$dir/ca" --operator van-thu --out "$dir/certs" \
    --profile-out "$dir/profiles/operator.profile" \
    --hub-address "127.0.0.1:${PORT[$tier]}" >/dev/null
done
for tier in "${TIERS[@]}"; do
  dir="$DEMO/$tier"
  {
    echo "listen_address: \"127.0.0.1:${PORT[$tier]}\""
    echo 'data_dir: "data"'
    echo 'port_file: "hub.port"'
    echo 'tls { ca_cert: "../ca/ca.crt" cert: "../certs/hub.crt" key: "../certs/hub.key" }'
    echo 'lease_seconds: 10'
    echo "name: \"${HUB_NAME[$tier]}\""
    for other in "${TIERS[@]}"; do
      [ "$other" = "$tier" ] || echo "federated_ca_certs: \"../../$other/ca/ca.crt\""
    done
  } > "$dir/hub/hub.conf"
  start_daemon "$dir/hub/hub.pid" "$dir/hub/hub.log" \
    "$HUB" --config "$dir/hub/hub.conf"
  if ! wait_for 20 test -f "$dir/hub/hub.port"; then
    echo "demo-federation: error: the $tier hub did not start; its log:" >&2
    cat "$dir/hub/hub.log" >&2
    exit 1
  fi
  echo "   $tier: 127.0.0.1:${PORT[$tier]} (${CA_NAME[$tier]}), log $dir/hub/hub.log"
done

echo "== The directory: each tier registers its own agencies; the national tier also"
echo "   those of each province, beyond that province's bridge"
for tier in "${TIERS[@]}"; do
  dir="$DEMO/$tier"
  while IFS='|' read -r code name _; do
    "$TRUC" ca issue --dir "$dir/ca" --agency "$code" --name "$name" \
      --out "$dir/certs" --profile-out "$dir/profiles/$code.profile" \
      --hub-address "127.0.0.1:${PORT[$tier]}" >/dev/null
    TRUC_PROFILE="$dir/profiles/operator.profile" "$TRUC" agency add "$code" "$name" >/dev/null
    if [ "$tier" != quoc-gia ]; then
      TRUC_PROFILE="$DEMO/quoc-gia/profiles/operator.profile" \
        "$TRUC" agency add "$code" "$name" --bridge "$tier" >/dev/null
    fi
  done <<< "${AGENCIES[$tier]}"
done

echo "== A bridge for each province: a certificate from its own CA and one from the national CA"
for tier in lang-son hai-duong; do
  dir="$DEMO/$tier"
  "$TRUC" ca issue --dir "$dir/ca" --bridge quoc-gia --name "Cầu nối trục quốc gia" \
    --out "$dir/certs" >/dev/null
  "$TRUC" ca issue --dir "$DEMO/quoc-gia/ca" --bridge "$tier" --name "Cầu nối $tier" \
    --out "$dir/certs" >/dev/null
  cat > "$dir/bridge/bridge.conf" <<CONF
# This province's hub, where the bridge reaches every agency beyond it.
hub {
  address: "127.0.0.1:${PORT[$tier]}"
  tls { ca_cert: "../ca/ca.crt" cert: "../certs/quoc-gia.crt" key: "../certs/quoc-gia.key" }
}
# The national tier, where the bridge reaches this province's agencies.
upstream_hub {
  address: "127.0.0.1:${PORT[quoc-gia]}"
  tls { ca_cert: "../../quoc-gia/ca/ca.crt" cert: "../certs/$tier.crt" key: "../certs/$tier.key" }
}
poll_wait_seconds: 10
directory_sync_seconds: 5
CONF
  "$BRIDGE" check --config "$dir/bridge/bridge.conf" | sed 's/^/   /'
  start_daemon "$dir/bridge/bridge.pid" "$dir/bridge/bridge.log" \
    "$BRIDGE" run --config "$dir/bridge/bridge.conf"
done
TOTAL=0
for tier in "${TIERS[@]}"; do TOTAL=$((TOTAL + $(wc -l <<< "${AGENCIES[$tier]}"))); done
for tier in lang-son hai-duong; do
  knows() {
    [ "$(TRUC_PROFILE="$DEMO/$1/profiles/operator.profile" "$TRUC" agency list --json \
          | grep -c '"code"')" = "$TOTAL" ]
  }
  if ! wait_for 30 knows "$tier"; then
    echo "demo-federation: error: the $tier hub did not get the national directory; the bridge's log:" >&2
    tail -20 "$DEMO/$tier/bridge/bridge.log" >&2
    exit 1
  fi
  echo "   $tier: bridge running, the country's $TOTAL agencies in its directory (log $DEMO/$tier/bridge/bridge.log)"
done

echo "== Agents"
for tier in "${TIERS[@]}"; do
  dir="$DEMO/$tier"
  while IFS='|' read -r code name start; do
    [ "$code" = "$OFFICE" ] && continue  # the sender uses the command line
    adir="$dir/agents/$code"
    mkdir -p "$adir"
    cat > "$adir/agent.conf" <<CONF
hub_address: "127.0.0.1:${PORT[$tier]}"
tls { ca_cert: "../../ca/ca.crt" cert: "../../certs/$code.crt" key: "../../certs/$code.key" }
base_dir: "."
poll_wait_seconds: 20
CONF
    if [ "$start" != yes ]; then
      echo "   $tier $code $name: agent NOT started"
      continue
    fi
    start_daemon "$adir/agent.pid" "$adir/agent.log" "$AGENT" run --config "$adir/agent.conf"
    echo "   $tier $code $name: agent running, inbox $adir/inbox"
  done <<< "${AGENCIES[$tier]}"
done

echo "== Lạng Sơn's office sends one express document to four units on three hubs"
mkdir -p "$DEMO/outgoing"
DOCFILE="$DEMO/outgoing/Công văn 52-UBND-VP.txt"
cat > "$DOCFILE" <<TEXT
ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN
Số: 52/UBND-VP
V/v phối hợp ứng phó lũ quét trên tuyến Quốc lộ 4B

Kính gửi: Sở Y tế tỉnh Lạng Sơn, Sở Y tế tỉnh Hải Dương, UBND xã Thanh Hải,
Văn phòng Chính phủ.
(Văn bản minh họa cho bản chạy thử liên thông của truc.)
TEXT
export TRUC_PROFILE="$DEMO/lang-son/profiles/$OFFICE.profile"
DOC=$("$TRUC" send --to "$(IFS=,; echo "${RECIPIENTS[*]}")" \
  --subject "V/v phối hợp ứng phó lũ quét trên tuyến Quốc lộ 4B" \
  --number 52 --notation UBND-VP --type "Công văn" \
  --signer "Nguyễn Văn An" --signer-position "Chủ tịch" --place "Lạng Sơn" \
  --urgency express "$DOCFILE")
echo "   document id (at Lạng Sơn's hub): $DOC"
three_received() { "$TRUC" status "$DOC" | grep -q "^3 of 4 received"; }
wait_for 60 three_received || true
# Where it waits for the commune, as Hải Dương's hub tells it once it has
# waited there a moment, two hops away.
told_where() { "$TRUC" status "$DOC" | grep "^000.21.30.H26" | grep -q "waits at"; }
wait_for 30 told_where || true

echo
echo "== The office's table of final recipients, across both provinces and the national tier"
echo "   (truc status $DOC)"
"$TRUC" status "$DOC"

cat <<DONE

The demo country is running: three hubs, two bridges, four agents.
  national hub: 127.0.0.1:${PORT[quoc-gia]}   Lạng Sơn: 127.0.0.1:${PORT[lang-son]}   Hải Dương: 127.0.0.1:${PORT[hai-duong]}
Try:
  export TRUC_PROFILE=$DEMO/lang-son/profiles/$OFFICE.profile
  $TRUC status $DOC --evidence     # the bridge's signature as carrier, checked
  TRUC_PROFILE=$DEMO/hai-duong/profiles/operator.profile $TRUC agency list   # the country, mirrored from the national tier
  TRUC_PROFILE=$DEMO/quoc-gia/profiles/operator.profile $TRUC pending        # what the national hub still waits for
  # bring UBND xã Thanh Hải's system back, and watch the office's table fill:
  $AGENT run --config $DEMO/hai-duong/agents/000.21.30.H26/agent.conf
Stop everything it started:
  deploy/demo-federation.sh stop
DONE
