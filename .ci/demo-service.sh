# Sourced by the CI scripts: starts the debug build with demo data on a throwaway embedded database
# at 127.0.0.1:$port, sets $base, $data_dir and $service, stops it on exit (printing its log if
# the script failed), and defines `token EMAIL` for the demo accounts.
cargo build -q
data_dir=$(mktemp -d /tmp/tech4all-ci.XXXXXX)
chmod 755 "$data_dir"
base="http://127.0.0.1:$port"
TECH4ALL_DATA_DIR="$data_dir" TECH4ALL_BIND="127.0.0.1:$port" \
  TECH4ALL_JWT_SECRET="$(head -c 48 /dev/urandom | base64)" \
  TECH4ALL_LOGIN_MAX_FAILURES_PER_ADDRESS=100000 TECH4ALL_LOGIN_MAX_FAILURES=1000 \
  TECH4ALL_TOKEN_TTL_SECONDS=86400 \
  RUST_LOG=warn ./target/debug/tech4all serve --demo >"$data_dir/service.log" 2>&1 &
service=$!
stop_demo_service() {
  local code=$?
  kill -TERM "$service" 2>/dev/null || true
  wait "$service" 2>/dev/null || true
  if [ "$code" != 0 ]; then echo "--- service log"; tail -40 "$data_dir/service.log" || true; fi
  rm -rf "$data_dir"
}
trap stop_demo_service EXIT
# Wait for this instance's own banner: another service left on the port must not answer for it.
for _ in $(seq 1 240); do
  grep -q "listening on" "$data_dir/service.log" 2>/dev/null && curl -fsS "$base/health/ready" >/dev/null 2>&1 && break
  kill -0 "$service" 2>/dev/null || { echo "the service did not start"; exit 1; }
  sleep 0.5
done
curl -fsS "$base/health/ready" >/dev/null

token() {
  curl -fsS -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"tech4all-demo\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
