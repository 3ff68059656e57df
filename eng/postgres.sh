#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, a free loopback port, stopped at the end.
# Sourced by eng/test.sh (after eng/prerequisites.sh, which installs Debian's postgresql when it is missing).
#   start_test_postgres   starts it and exports HANDOFFBOT_TEST_POSTGRES (an Npgsql connection string)
#   stop_test_postgres    stops it and removes its folder (eng/test.sh calls it from its EXIT trap, also on failure)
# Usable by hand: source eng/prerequisites.sh; source eng/postgres.sh; start_test_postgres; ...; stop_test_postgres

test_pg_dir=""
test_pg_bin=""

postgres_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$bin" ] && [ -x "$bin/initdb" ] && echo "$bin"
}

# initdb and postgres refuse to run as root: as root, run them as the postgres user the Debian package creates.
as_postgres_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_is_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_test_postgres() {
  test_pg_bin=$(postgres_bin) || { echo "PostgreSQL is not installed (eng/prerequisites.sh installs it)" >&2; return 1; }
  test_pg_dir=$(mktemp -d /tmp/handoffbot-pg.XXXXXX)
  chmod 755 "$test_pg_dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$test_pg_dir"
  if ! as_postgres_owner "$test_pg_bin/initdb" -D "$test_pg_dir/data" -U handoffbot -A trust -E UTF8 --no-sync >"$test_pg_dir/initdb.log" 2>&1; then
    echo "initdb failed:" >&2
    cat "$test_pg_dir/initdb.log" >&2
    return 1
  fi
  local attempt port
  for attempt in 1 2 3 4 5; do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    port_is_free "$port" || continue
    # Loopback only, socket in the cluster's folder; fsync off: the cluster is thrown away after the run.
    if as_postgres_owner "$test_pg_bin/pg_ctl" -D "$test_pg_dir/data" -l "$test_pg_dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $test_pg_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
        start >/dev/null; then
      export HANDOFFBOT_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=handoffbot;Database=postgres"
      echo "PostgreSQL $("$test_pg_bin/postgres" --version | awk '{print $3}') for the tests on 127.0.0.1:$port ($test_pg_dir)"
      return 0
    fi
  done
  echo "could not start PostgreSQL for the tests:" >&2
  tail -20 "$test_pg_dir/server.log" >&2 2>/dev/null
  return 1
}

stop_test_postgres() {
  if [ -n "$test_pg_dir" ] && [ -d "$test_pg_dir/data" ]; then
    as_postgres_owner "$test_pg_bin/pg_ctl" -D "$test_pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  [ -n "$test_pg_dir" ] && rm -rf "$test_pg_dir"
  test_pg_dir=""
  unset HANDOFFBOT_TEST_POSTGRES
}
