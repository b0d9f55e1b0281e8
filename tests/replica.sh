#!/usr/bin/env bash
# tests/replica.sh: a streaming replica (hot standby) of the test database
# server, for the replica tests in tests/replica_test.go.
#
#   tests/replica.sh start    base-backs-up the primary (once) and starts the
#                             standby; prints the standby's URL on stdout
#   tests/replica.sh stop     stops the standby (its data directory stays)
#   tests/replica.sh status   says whether it runs and prints its URL
#   tests/replica.sh remove   stops it and deletes its data directory
#
# It is idempotent: "start" on a running standby only prints its URL. Typical
# use: export YIZHAN_TEST_REPLICA_URL="$(tests/replica.sh start)".
#
# Settings (environment):
#   YIZHAN_TEST_DATABASE_URL  the primary, as for the other PostGIS tests; its
#                             role needs REPLICATION (a superuser has it) and
#                             pg_hba.conf must allow it a "replication" line
#   YIZHAN_REPLICA_PORT       the standby's port (default 5433)
#   YIZHAN_REPLICA_DIR        its data directory (default: under the postgres
#                             user's home when run as root, else under /tmp)
# Run as root, it runs the server as the postgres user (PostgreSQL refuses to
# run as root); otherwise as the calling user.
set -euo pipefail

action=${1:-start}
primary=${YIZHAN_TEST_DATABASE_URL:-postgres://yizhan_ci:yizhan_ci@127.0.0.1:5432/yizhan_test?sslmode=disable}
port=${YIZHAN_REPLICA_PORT:-5433}

say() { echo "replica.sh: $*" >&2; }
die() { say "$*"; exit 1; }

if [ "$(id -u)" = 0 ]; then
	run_as=postgres
	as() { runuser -u postgres -- "$@"; }
	default_dir=$(getent passwd postgres | cut -d: -f6)/yizhan-replica-$port
else
	run_as=$(id -un)
	as() { "$@"; }
	default_dir=/tmp/yizhan-replica-$port-$run_as
fi
dir=${YIZHAN_REPLICA_DIR:-$default_dir}

# The standby's URL: the primary's, on 127.0.0.1 and the standby's port.
case $primary in
postgres://* | postgresql://*) ;;
*) die "YIZHAN_TEST_DATABASE_URL must be a postgres:// URL, got a key=value string" ;;
esac
replica_url=$(printf '%s' "$primary" | sed -E "s#^(postgres(ql)?://([^@/]*@)?)[^/?]*#\\1127.0.0.1:$port#")

# The server binaries of the primary's major version (Debian keeps them off PATH).
major=$(psql "$primary" -XAtqc 'SHOW server_version_num' 2>/dev/null | cut -c1-2) ||
	die "cannot reach the primary at YIZHAN_TEST_DATABASE_URL"
[ -n "$major" ] || die "cannot reach the primary at YIZHAN_TEST_DATABASE_URL"
bin=${PG_BIN:-/usr/lib/postgresql/$major/bin}
[ -x "$bin/pg_ctl" ] || bin=$(dirname "$(command -v pg_ctl || echo /nonexistent/pg_ctl)")
[ -x "$bin/pg_ctl" ] || die "no pg_ctl for PostgreSQL $major (set PG_BIN)"

running() { as "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; }

# The standby streams through a physical replication slot, so that the
# primary keeps every WAL segment the standby has not received yet: without
# one, a standby whose replay a test paused while other tests wrote much WAL
# (CREATE DATABASE copies a whole template into it) finds its next segment
# removed and can never catch up. "stop" keeps the slot (and so the WAL);
# "remove" drops it.
slot=yizhan_replica_$port
slot_exists() { [ "$(psql "$primary" -XAtqc "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$slot'" 2>/dev/null)" = 1 ]; }
drop_slot() {
	if slot_exists; then
		psql "$primary" -XAtqc "SELECT pg_drop_replication_slot('$slot')" >/dev/null ||
			die "cannot drop replication slot $slot on the primary (is a standby still streaming from it?)"
	fi
}

case $action in
stop)
	if [ -d "$dir" ] && running; then
		as "$bin/pg_ctl" -D "$dir" -m fast -w stop >&2
	else
		say "not running"
	fi
	exit 0
	;;
remove)
	if [ -d "$dir" ] && running; then
		as "$bin/pg_ctl" -D "$dir" -m fast -w stop >&2
	fi
	rm -rf "$dir"
	drop_slot
	exit 0
	;;
status)
	if [ -d "$dir" ] && running; then
		say "running in $dir on port $port"
		echo "$replica_url"
		exit 0
	fi
	say "not running"
	exit 1
	;;
start) ;;
*) die "unknown action $action (want start, stop, status or remove)" ;;
esac

ours() { head -n 1 "$dir/postgresql.conf" 2>/dev/null | grep -q '^# Written by tests/replica.sh'; }

# A standby left from an earlier primary (a re-created cluster) can never
# replay this one's WAL: rebuild it.
if [ -f "$dir/standby.signal" ] && ours; then
	want=$(psql "$primary" -XAtqc 'SELECT system_identifier FROM pg_control_system()' 2>/dev/null || true)
	have=$(as "$bin/pg_controldata" -D "$dir" 2>/dev/null | sed -n 's/^Database system identifier: *//p' || true)
	if [ -n "$want" ] && [ "$want" != "$have" ]; then
		say "$dir is a standby of another server (system identifier $have, not $want); rebuilding it"
		if running; then as "$bin/pg_ctl" -D "$dir" -m immediate -w stop >&2; fi
		rm -rf "$dir"
	fi
fi

# A standby made without the slot (an older version of this script), or
# whose slot is gone, may already have lost WAL it needs: rebuild it.
if [ -f "$dir/standby.signal" ] && ours && ! slot_exists; then
	say "$dir streams without replication slot $slot; rebuilding it with one"
	if running; then as "$bin/pg_ctl" -D "$dir" -m immediate -w stop >&2; fi
	rm -rf "$dir"
fi

if [ ! -f "$dir/standby.signal" ]; then
	[ ! -e "$dir" ] || [ -z "$(ls -A "$dir")" ] || die "$dir exists and is not a standby; remove it or set YIZHAN_REPLICA_DIR"
	say "base backup of the primary into $dir"
	mkdir -p "$dir"
	chmod 700 "$dir"
	[ "$run_as" = "$(id -un)" ] || chown "$run_as" "$dir"
	# -R writes primary_conninfo, primary_slot_name and standby.signal;
	# -X stream copies the WAL written during the backup, so that the copy
	# is consistent; -C -S creates the slot the standby streams from.
	drop_slot
	as "$bin/pg_basebackup" -d "$primary" -D "$dir" -R -X stream -c fast -C -S "$slot" >&2
	# Debian keeps postgresql.conf and pg_hba.conf outside the data directory,
	# so the copy has none of its own. A standby must allow at least as many
	# connections, workers and locks as its primary.
	settings=$(psql "$primary" -XAtqc "SELECT string_agg(name || ' = ' || setting, E'\n') FROM pg_settings
		WHERE name IN ('max_connections', 'max_worker_processes', 'max_wal_senders',
			'max_prepared_transactions', 'max_locks_per_transaction')")
	as tee "$dir/postgresql.conf" >/dev/null <<-EOF
		# Written by tests/replica.sh: a hot standby for the replica tests.
		port = $port
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$dir'
		hot_standby = on
		# Tell the primary which rows standby queries still read, so that
		# replay does not cancel them.
		hot_standby_feedback = on
		wal_receiver_status_interval = 1s
		$settings
	EOF
	as tee "$dir/pg_hba.conf" >/dev/null <<-EOF
		local all all trust
		host  all all 127.0.0.1/32 scram-sha-256
	EOF
fi

if ! running; then
	say "starting the standby on port $port (log: $dir/standby.log)"
	as "$bin/pg_ctl" -D "$dir" -l "$dir/standby.log" -w -t 60 start >&2 ||
		{ tail -n 20 "$dir/standby.log" >&2 || true; die "the standby did not start"; }
fi
for _ in $(seq 1 60); do
	if [ "$(psql "$replica_url" -XAtqc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ]; then
		say "standby ready on port $port"
		echo "$replica_url"
		exit 0
	fi
	sleep 1
done
die "the standby on port $port does not answer as a replica (see $dir/standby.log)"
