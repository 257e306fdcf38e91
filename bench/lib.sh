# Shared by the bench scripts (sourced from the repository root, with $base set to the service's
# address): running PostgreSQL tools as its user, starting the release service with demo data and
# signing in as the demo hub staff member.

# PostgreSQL refuses to run as root; as root, run its tools as the postgres user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# start_service LOG [ENV=VALUE...]: the release service with demo data on $base's port, with the
# given settings on top of the benchmark's; sets $service to its pid and returns once it is ready.
start_service() {
  local log=$1
  shift
  env TECH4ALL_BIND="${base#http://}" TECH4ALL_JWT_SECRET="benchmark-secret-benchmark-secret-0123" \
    TECH4ALL_TOKEN_TTL_SECONDS=7200 RUST_LOG=warn "$@" ./target/release/tech4all serve --demo >"$log" 2>&1 &
  service=$!
  for _ in $(seq 1 900); do
    grep -q "listening on" "$log" 2>/dev/null && curl -fsS "$base/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$service" 2>/dev/null || { echo "the service did not start:"; tail -5 "$log"; exit 1; }
    sleep 0.1
  done
  echo "the service did not become ready"
  exit 1
}

# An access token for the demo hub staff member.
staff_token() {
  curl -fsS -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email":"staff@tech4all.test","password":"tech4all-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# seed_load DEVICES OUT URL: bench/seed.sql's load data on top of the demo, its pools written to
# OUT. The seed works as the service's role (row-level security scoping it to the first scheme);
# on these throwaway databases that role may create the seed's load_* tables.
seed_load() {
  as_pg psql -X -q -c "GRANT CREATE ON SCHEMA public TO tech4all_app" "$3"
  as_pg psql -X -q -v devices="$1" -v out="$2" -f bench/seed.sql "$3" >/dev/null
  as_pg psql -X -q -c "ANALYZE" "$3"
}
