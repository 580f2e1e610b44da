# Sourced by the bench scripts: chooses the database a benchmark runs on.
#
# DATABASE_URL unset (or a sqlite: URL): a fresh SQLite file in the run's temporary
# folder, as always. DATABASE_URL=postgres://…: a server where the bench may create and
# drop databases (needs psql); each run creates a database of its own, named
# draftdesk_bench_<pid>, and drops it when it ends. For example
#   DATABASE_URL='postgres:///postgres?host=/var/run/postgresql' scripts/bench-reads.sh
#
# bench_db_create WORKDIR   sets and exports DATABASE_URL for the run, and BENCH_BACKEND
# bench_db_drop             drops the run's PostgreSQL database, if one was made
# bench_db_query SQL        prints the answer to one query on the run's database

bench_db_server=""
bench_db_name=""

bench_db_create() {
  local work=$1
  case "${DATABASE_URL:-}" in
    postgres:* | postgresql:*)
      command -v psql >/dev/null || { echo "a PostgreSQL DATABASE_URL needs psql" >&2; exit 1; }
      bench_db_server=$DATABASE_URL
      bench_db_name="draftdesk_bench_$$"
      psql "$bench_db_server" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $bench_db_name" >/dev/null
      # The same URL with the new database's name as its path.
      DATABASE_URL=$(printf '%s' "$bench_db_server" \
        | sed -E "s#^(postgres(ql)?://[^/?]*)(/[^?]*)?#\\1/$bench_db_name#")
      BENCH_BACKEND=postgres
      ;;
    *)
      DATABASE_URL="sqlite://$work/bench.db"
      BENCH_BACKEND=sqlite
      ;;
  esac
  export DATABASE_URL BENCH_BACKEND
  echo "database: $BENCH_BACKEND${bench_db_name:+ ($bench_db_name, dropped at the end)}"
}

bench_db_drop() {
  if [ -n "$bench_db_name" ]; then
    psql "$bench_db_server" -qc "DROP DATABASE IF EXISTS $bench_db_name WITH (FORCE)" >/dev/null || true
  fi
}

bench_db_query() {
  if [ "$BENCH_BACKEND" = postgres ]; then
    psql "$DATABASE_URL" -Atc "$1"
  else
    local file=${DATABASE_URL#sqlite://}
    sqlite3 "$file" "$1" 2>/dev/null || echo '(sqlite3 not installed)'
  fi
}
