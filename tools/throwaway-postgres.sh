# Sourced by ./test and bench/run: installs PostgreSQL with apt if missing, starts a private server on a free
# loopback port in its own temp directory (fsync on: durability is under test) and exports LIVETRACKER_TEST_PG.
# The caller runs stop_throwaway_postgres on exit.

apt_install() {
  printf '==> installing with apt: %s\n' "$*" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@" >/dev/null
}

start_throwaway_postgres() {
  local missing=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  # The domain's week and review rules need the IANA zones (America/New_York, ...).
  [ -e /usr/share/zoneinfo/America/New_York ] || missing+=(tzdata)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "missing: ${missing[*]}; run ./test as root once (it installs them with apt) or install them yourself" >&2
      return 1
    fi
    apt_install "${missing[@]}"
  fi
  # The newest version that has a server, not merely a newer client.
  PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
  # Its own directory: the server runs as user postgres, which cannot enter the caller's private temp dir.
  PGROOT=$(mktemp -d -t livetracker-pg.XXXXXX)
  chmod 755 "$PGROOT"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PGROOT"; fi
  as_pg "$PGBIN/initdb" -D "$PGROOT/data" -U postgres -A trust -E UTF8 --no-sync >"$PGROOT/initdb.log" 2>&1 \
    || { cat "$PGROOT/initdb.log" >&2; return 1; }
  local port="" candidate
  for candidate in $(seq 55432 55499); do
    if as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/log" -w -t 30 \
         -o "-p $candidate -k $PGROOT -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null 2>&1; then
      port=$candidate; break
    fi
  done
  [ -n "$port" ] || { echo "could not start PostgreSQL" >&2; cat "$PGROOT/log" >&2; return 1; }
  export LIVETRACKER_TEST_PG="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  printf '==> PostgreSQL %s on 127.0.0.1:%s\n' "$(basename "$(dirname "$PGBIN")")" "$port" >&2
}

stop_throwaway_postgres() {
  if [ -n "${PGROOT:-}" ] && [ -d "$PGROOT/data" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  [ -z "${PGROOT:-}" ] || rm -rf "$PGROOT"
}

# runuser as postgres from a directory it cannot read prints a warning; run from / instead.
as_pg() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}
