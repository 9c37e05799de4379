# Sourced by the bench scripts. signin_users DIR N writes DIR/fixtures.yaml
# (users bench0..bench<N-1> of the demo app, password bench-password-<i>)
# and DIR/signin.lua (a wrk script signing them in in turn), so sign-in is
# measured across accounts, as real traffic is.
signin_users() {
  local dir=$1 n=$2
  {
    echo "apps:"
    echo "  - slug: demo"
    echo "    users:"
    for i in $(seq 0 $((n - 1))); do
      echo "      - {username: bench$i, email: bench$i@example.com, password: bench-password-$i, email_verified: true}"
    done
  } > "$dir/fixtures.yaml"
  cat > "$dir/signin.lua" <<LUA
local n = 0
request = function()
  n = n + 1
  local i = n % $n
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"},
    string.format('{"identifier":"bench%d","password":"bench-password-%d"}', i, i))
end
LUA
}
