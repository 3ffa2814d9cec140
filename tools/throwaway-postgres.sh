# Sourced by ./test and bench/run: installs PostgreSQL with apt if missing, starts a private server on a free
# loopback port in a temp directory (fsync on: durability is under test), exports LIVETRACKER_TEST_PG, and
# registers its removal on exit. Needs $work (a temp directory owned by the caller).

apt_install() {
  printf '==> installing with apt: %s\n' "$*" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@" >/dev/null
}

start_throwaway_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt_install postgresql
  fi
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  mkdir -p "$work/pg"
  if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$work/pg"; fi
  as_pg "$PGBIN/initdb" -D "$work/pg/data" -U postgres -A trust -E UTF8 --no-sync >"$work/initdb.log" 2>&1 \
    || { cat "$work/initdb.log" >&2; return 1; }
  local port="" candidate
  for candidate in $(seq 55432 55499); do
    if as_pg "$PGBIN/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -t 30 \
         -o "-p $candidate -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null 2>&1; then
      port=$candidate; break
    fi
  done
  [ -n "$port" ] || { echo "could not start PostgreSQL" >&2; cat "$work/pg/log" >&2; return 1; }
  export LIVETRACKER_TEST_PG="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  printf '==> PostgreSQL %s on 127.0.0.1:%s\n' "$(basename "$(dirname "$PGBIN")")" "$port" >&2
}

stop_throwaway_postgres() {
  if [ -n "${PGBIN:-}" ] && [ -d "$work/pg/data" ]; then
    if [ "$(id -u)" = 0 ]; then
      runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
    else
      "$PGBIN/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
    fi
  fi
}
