#!/usr/bin/env bash
# The real downstream systems of the local stack: Tryton 6.0 (ERP + finance, JSON-RPC on
# 127.0.0.1:8123; the CRM is a second database `crm` on the same server), Request Tracker 5
# (support, REST2 on 127.0.0.1:8124/rt) and Radicale 3 (the contacts address book, CardDAV on
# 127.0.0.1:5232), all from Debian's packages. See docs/real-systems.md.
#
#   bash deploy/real-systems.sh up      install if missing, prepare the golden databases once, start
#                                       a stopped system from its golden copy, wait
#   bash deploy/real-systems.sh down    stop the servers
#   bash deploy/real-systems.sh status  print whether each answers
#   bash deploy/real-systems.sh reset   stop all, then start them afresh from their golden copies
#   bash deploy/real-systems.sh radicale-up|radicale-down|radicale-status   the address book alone
#
# Idempotent: `up` on a running stack only checks that both answer. Installing needs root (apt-get).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$ROOT/.stack/real-systems"
TRYTON_DIR="$STATE/tryton"
RT_DIR="$STATE/rt"
TRYTON_DB="${TRYTON_DATABASE:-switchboard}"
CRM_DB="${CRM_DATABASE:-crm}"
RT_ROOT_PASSWORD="${RT_ROOT_PASSWORD:-switchboard-dev}"
RT_DB_FILE=/var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb
# RT's database is the machine's, shared by every checkout: its state as installed is kept beside it
# and restored whenever RT starts, so tickets of earlier runs neither pile up nor slow RT down.
RT_GOLDEN_DB="$RT_DB_FILE.switchboard-golden"
RT_SERVER=/usr/share/request-tracker5/libexec/rt-server
TRYTON_URL="http://127.0.0.1:8123"
RT_URL="http://127.0.0.1:8124/rt"
RADICALE_DIR="$STATE/radicale"
RADICALE_URL="http://127.0.0.1:5232"
RADICALE_USER="${CARDDAV_USER:-switchboard}"
RADICALE_PASSWORD="${CARDDAV_PASSWORD:-switchboard-dev}"
RADICALE_BOOK="${CARDDAV_ADDRESS_BOOK:-contacts}"

log() { printf 'real-systems: %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  local missing=()
  command -v trytond >/dev/null || missing+=(tryton-server tryton-modules-sale tryton-modules-account-invoice python3-psycopg2)
  /usr/bin/python3 -c "import proteus" 2>/dev/null || missing+=(tryton-proteus)
  crm_missing_packages
  [ -x "$RT_SERVER" ] || missing+=(request-tracker5 rt5-db-sqlite)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} (Debian packages, about 70 s)"
  as_root debconf-set-selections <<PRESEED
request-tracker5 request-tracker5/dbconfig-install boolean true
request-tracker5 request-tracker5/database-type select sqlite3
request-tracker5 request-tracker5/webbaseurl string http://127.0.0.1:8124
request-tracker5 request-tracker5/webpath string /rt
request-tracker5 request-tracker5/initial-root-password password $RT_ROOT_PASSWORD
request-tracker5 request-tracker5/install-cronjobs boolean false
request-tracker5 request-tracker5/rtname string switchboard
request-tracker5 request-tracker5/organization string switchboard.local
request-tracker5 request-tracker5/correspondaddress string rt@switchboard.local
request-tracker5 request-tracker5/commentaddress string rt-comment@switchboard.local
PRESEED
  as_root apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

configure_rt() {
  local site=/etc/request-tracker5/RT_SiteConfig.d/90-switchboard.pm
  [ -f "$site" ] && return 0
  as_root tee "$site" >/dev/null <<'PERL'
Set($WebDomain, '127.0.0.1');
Set($WebPort, 8124);
Set($MailCommand, 'testfile');
Set($LogToSTDERR, 'warning');
Set($LogToSyslog, undef);
1;
PERL
}

# Tryton: activate the modules once into a golden SQLite file (keyed by the setup script's hash),
# then copy it for each run.
prepare_tryton() {
  mkdir -p "$TRYTON_DIR/golden" "$TRYTON_DIR/data"
  local key
  key="$(sha256sum "$ROOT/scripts/tryton-setup.py" | cut -c1-16)"
  if [ ! -f "$TRYTON_DIR/golden/$TRYTON_DB.sqlite" ] || [ "$(cat "$TRYTON_DIR/golden/key" 2>/dev/null)" != "$key" ]; then
    log "preparing the golden Tryton database (modules, company, chart, fiscal years, products; about 40 s)"
    rm -f "$TRYTON_DIR/golden/"*
    printf '[database]\nuri = sqlite://\npath = %s\n' "$TRYTON_DIR/golden" >"$TRYTON_DIR/golden.conf"
    touch "$TRYTON_DIR/golden/$TRYTON_DB.sqlite"
    printf 'admin\n' >"$TRYTON_DIR/adminpass"
    TRYTONPASSFILE="$TRYTON_DIR/adminpass" trytond-admin -c "$TRYTON_DIR/golden.conf" -d "$TRYTON_DB" --all \
      --activate-dependencies --email admin@example.com -u sale account_invoice >"$TRYTON_DIR/admin.log" 2>&1
    /usr/bin/python3 "$ROOT/scripts/tryton-setup.py" "$TRYTON_DIR/golden.conf" "$TRYTON_DB" >>"$TRYTON_DIR/admin.log" 2>&1 ||
      { tail -20 "$TRYTON_DIR/admin.log" >&2; exit 1; }
    echo "$key" >"$TRYTON_DIR/golden/key"
  fi
  cat >"$TRYTON_DIR/trytond.conf" <<CONF
[web]
listen = 127.0.0.1:8123
[database]
uri = sqlite://
path = $TRYTON_DIR/data
CONF
}

# The CRM: Tryton's CRM modules (leads and opportunities, party relations, and project tasks with
# their allocations for the account managers' tasks) in a database of its own on the ERP's server.
# trytond serves every SQLite file of its data directory, so the CRM needs no server of its own; a
# server started before the modules were installed must be restarted once.
crm_missing_packages() {
  local modules=/usr/lib/python3/dist-packages/trytond/modules
  [ -d "$modules/sale_opportunity" ] || missing+=(tryton-modules-sale-opportunity)
  [ -d "$modules/party_relationship" ] || missing+=(tryton-modules-party-relationship)
  [ -d "$modules/project_plan" ] || missing+=(tryton-modules-project tryton-modules-project-plan)
}

# The CRM database's modules (trytond-admin -u, with their dependencies).
CRM_MODULES=(sale_opportunity party_relationship project_plan)

# The golden CRM database, prepared once per version of its setup script (like the ERP's).
prepare_crm() {
  local golden="$TRYTON_DIR/golden-crm" key
  mkdir -p "$golden"
  key="$( (cat "$ROOT/scripts/tryton-crm-setup.py"; echo "${CRM_MODULES[*]}") | sha256sum | cut -c1-16)"
  if [ -f "$golden/$CRM_DB.sqlite" ] && [ "$(cat "$golden/key" 2>/dev/null)" = "$key" ]; then return 0; fi
  log "preparing the golden CRM database (${CRM_MODULES[*]}, sales team; about 60 s)"
  rm -f "$golden/"*
  printf '[database]\nuri = sqlite://\npath = %s\n' "$golden" >"$TRYTON_DIR/golden-crm.conf"
  touch "$golden/$CRM_DB.sqlite"
  printf 'admin\n' >"$TRYTON_DIR/adminpass"
  TRYTONPASSFILE="$TRYTON_DIR/adminpass" trytond-admin -c "$TRYTON_DIR/golden-crm.conf" -d "$CRM_DB" --all \
    --activate-dependencies --email admin@example.com -u "${CRM_MODULES[@]}" \
    >"$TRYTON_DIR/crm-admin.log" 2>&1 || { tail -20 "$TRYTON_DIR/crm-admin.log" >&2; exit 1; }
  /usr/bin/python3 "$ROOT/scripts/tryton-crm-setup.py" "$TRYTON_DIR/golden-crm.conf" "$CRM_DB" \
    >>"$TRYTON_DIR/crm-admin.log" 2>&1 || { tail -20 "$TRYTON_DIR/crm-admin.log" >&2; exit 1; }
  echo "$key" >"$golden/key"
}

# Copied afresh whenever the server starts (`fresh`), like the ERP's; to a running server that has
# no CRM yet it is added as it is, without a restart (a newer golden copy reaches it at `reset`).
start_crm() {
  if [ "${1:-}" != fresh ] && [ -f "$TRYTON_DIR/data/$CRM_DB.sqlite" ]; then return 0; fi
  cp "$TRYTON_DIR/golden-crm/$CRM_DB.sqlite" "$TRYTON_DIR/data/$CRM_DB.sqlite"
}

crm_up() { curl -s -m 2 -X POST -H 'content-type: application/json' \
  -d '{"id":0,"method":"common.db.list","params":[]}' "$TRYTON_URL/" | grep -q "\"$CRM_DB\""; }

tryton_up() { curl -s -o /dev/null -m 2 -X POST -H 'content-type: application/json' \
  -d '{"id":0,"method":"common.server.version","params":[]}' "$TRYTON_URL/$TRYTON_DB/"; }
rt_up() { curl -s -o /dev/null -m 2 "$RT_URL/REST/2.0/"; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() {
  local name="$1" check="$2" i
  for i in $(seq 1 120); do
    if "$check"; then log "$name answers"; return 0; fi
    sleep 0.5
  done
  log "$name did not answer within 60 s"; return 1
}

start_tryton() {
  if tryton_up; then return 0; fi
  cp "$TRYTON_DIR/golden/$TRYTON_DB.sqlite" "$TRYTON_DIR/data/$TRYTON_DB.sqlite"
  start_crm fresh
  nohup trytond -c "$TRYTON_DIR/trytond.conf" >"$TRYTON_DIR/trytond.log" 2>&1 &
  echo $! >"$TRYTON_DIR/trytond.pid"
  wait_for Tryton tryton_up
}

start_rt() {
  mkdir -p "$RT_DIR"
  if rt_up; then return 0; fi
  # Taken at the first start, before RT has served anything (on an RT installed before this copy
  # existed: its database as found).
  [ -f "$RT_GOLDEN_DB" ] || as_root cp -p "$RT_DB_FILE" "$RT_GOLDEN_DB"
  as_root cp "$RT_GOLDEN_DB" "$RT_DB_FILE"
  nohup "$RT_SERVER" --listen 127.0.0.1:8124 --webpath /rt --max-workers 2 >"$RT_DIR/rt.log" 2>&1 &
  echo $! >"$RT_DIR/rt.pid"
  wait_for 'Request Tracker' rt_up
  # The onboarding queue the support connector files tickets in (REST2 refuses a duplicate name).
  curl -s -o /dev/null -u "root:$RT_ROOT_PASSWORD" -H 'content-type: application/json' \
    -d '{"Name":"Onboarding","Description":"Switchboard onboarding tickets"}' "$RT_URL/REST/2.0/queue" || true
}

# Radicale: the contacts address book. Its state (config, htpasswd, collections) lives in its own
# directory; the user's address book is created on disk before the start (Radicale's file storage:
# a collection is a directory whose .Radicale.props names its type), so no WebDAV request is needed.
install_radicale() {
  [ -x /usr/bin/radicale ] && return 0
  log 'installing radicale (Debian package)'
  as_root apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends radicale >/dev/null
}

prepare_radicale() {
  local book="$RADICALE_DIR/collections/collection-root/$RADICALE_USER/$RADICALE_BOOK"
  mkdir -p "$book"
  # Development-only credentials (plain htpasswd): production points the connector at its own server.
  printf '%s:%s\n' "$RADICALE_USER" "$RADICALE_PASSWORD" >"$RADICALE_DIR/users"
  [ -f "$book/.Radicale.props" ] ||
    printf '{"D:displayname": "Switchboard contacts", "tag": "VADDRESSBOOK"}' >"$book/.Radicale.props"
  cat >"$RADICALE_DIR/config" <<CONF
[server]
hosts = 127.0.0.1:5232
[auth]
type = htpasswd
htpasswd_filename = $RADICALE_DIR/users
htpasswd_encryption = plain
[rights]
type = owner_only
[storage]
filesystem_folder = $RADICALE_DIR/collections
[logging]
level = warning
CONF
}

radicale_up() { curl -s -o /dev/null -m 2 -f -u "$RADICALE_USER:$RADICALE_PASSWORD" -X PROPFIND -H 'Depth: 0' \
  "$RADICALE_URL/$RADICALE_USER/$RADICALE_BOOK/"; }

start_radicale() {
  if radicale_up; then return 0; fi
  prepare_radicale
  nohup /usr/bin/radicale --config "$RADICALE_DIR/config" >"$RADICALE_DIR/radicale.log" 2>&1 &
  echo $! >"$RADICALE_DIR/radicale.pid"
  wait_for 'Radicale' radicale_up
}

radicale_main() {
  case "$1" in
    up) install_radicale; start_radicale ;;
    down) stop_one "$RADICALE_DIR/radicale.pid" Radicale ;;
    status)
      if radicale_up; then echo "radicale: up ($RADICALE_URL/$RADICALE_USER/$RADICALE_BOOK/)"; else echo 'radicale: down'; fi ;;
  esac
}

stop_one() {
  local pidfile="$1" name="$2"
  if pid_alive "$pidfile"; then
    local pid; pid="$(cat "$pidfile")"
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    log "$name stopped"
  fi
  rm -f "$pidfile"
}

case "${1:-up}" in
  up)
    install_packages
    configure_rt
    prepare_tryton
    prepare_crm
    start_tryton
    start_crm
    start_rt
    radicale_main up
    ;;
  radicale-up | radicale-down | radicale-status)
    # The address book alone (the other systems keep running).
    radicale_main "${1#radicale-}"
    ;;
  down)
    stop_one "$TRYTON_DIR/trytond.pid" Tryton
    stop_one "$RT_DIR/rt.pid" 'Request Tracker'
    radicale_main down
    ;;
  reset)
    bash "$0" down
    bash "$0" up
    ;;
  status)
    if tryton_up; then echo "tryton: up ($TRYTON_URL/$TRYTON_DB/)"; else echo 'tryton: down'; fi
    if crm_up; then echo "crm: up ($TRYTON_URL/$CRM_DB/)"; else echo 'crm: down'; fi
    if rt_up; then echo "request-tracker: up ($RT_URL/REST/2.0/)"; else echo 'request-tracker: down'; fi
    radicale_main status
    ;;
  *)
    echo "usage: $0 up|down|status|reset|radicale-up|radicale-down|radicale-status" >&2; exit 2 ;;
esac
