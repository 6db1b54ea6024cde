# Helpers shared by cluster.sh (the kwok cluster) and cluster-real.sh (the real-node
# cluster); sourced, not run. The sourcing script sets:
#   log_prefix    the tag of its log lines
#   state_file    where the running cluster is recorded (a sourceable KEY="value" list:
#                 STATE_DIR, BIN, PIDS in start order, ...)
#   timeout       seconds wait_for waits
#   cluster_name  the cluster's name in the kubeconfigs it writes
#   alive_also    (optional) a script name whose processes count as ours too
# shellcheck shell=bash

log() { printf '[%s] %s\n' "$log_prefix" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------
# state

load_state() {
  [[ -f "$state_file" ]] || return 1
  # shellcheck disable=SC1090
  source "$state_file"
  [[ -n "${STATE_DIR:-}" && -d "$STATE_DIR" ]]
}

# record KEY VALUE: appends KEY="VALUE" to the state file.
record() { echo "$1=\"$2\"" >>"$state_file"; }

# alive PID: PID runs one of our binaries (or the script named by alive_also).
# Zombies count as gone, and so does a recycled pid that now belongs to some
# other program (the state file may outlive a reboot), so that `down` never
# signals a stranger.
alive() {
  local stat exe
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"                      # fields after "(comm) "
  [[ "${stat%% *}" != Z ]] || return 1
  exe="$(readlink -f "/proc/$1/exe" 2>/dev/null)" || return 1
  [[ "$exe" == "$(readlink -f "$BIN")"/* ]] && return 0
  [[ -n "${alive_also:-}" ]] && grep -q "$alive_also" "/proc/$1/cmdline" 2>/dev/null
}

# proc_name PID: the process's name, for messages.
proc_name() { cat "/proc/$1/comm" 2>/dev/null || echo "?"; }

kubectl_admin() { "$BIN/kubectl" --kubeconfig "$STATE_DIR/admin.kubeconfig" "$@"; }

# All recorded processes alive and the API server answering /readyz.
healthy() {
  load_state || return 1
  local pid
  for pid in $PIDS; do alive "$pid" || return 1; done
  kubectl_admin get --raw /readyz >/dev/null 2>&1
}

# ---------------------------------------------------------------------------
# processes

# free_ports N: N distinct free TCP ports on 127.0.0.1, space-separated. The
# sockets stay bound until all N are picked, so the ports differ.
free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# wait_for DESCRIPTION CMD...: polls CMD every second until it succeeds.
wait_for() {
  local what="$1"; shift
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    check_processes || return 1
    sleep 1
  done
}

# check_processes: every started process still runs; otherwise show its log.
started=()
check_processes() {
  local entry name pid
  for entry in "${started[@]:-}"; do
    [[ -n "$entry" ]] || continue
    name="${entry%%:*}" pid="${entry##*:}"
    if ! alive "$pid"; then
      log "$name (pid $pid) exited; last lines of $STATE_DIR/logs/$name.log:"
      tail -n 25 "$STATE_DIR/logs/$name.log" >&2 || true
      return 1
    fi
  done
}

# start_on_host NAME CMD...: runs CMD detached (own session, no terminal, output
# to logs/NAME.log) and records its pid in the state file.
start_on_host() {
  local name="$1"; shift
  # 8>&- : the daemons must not inherit (and so hold) the script's lock.
  setsid "$@" </dev/null >"$STATE_DIR/logs/$name.log" 2>&1 8>&- &
  local pid=$!
  started+=("$name:$pid")
  PIDS="${PIDS:+$PIDS }$pid"
  sed -i "s/^PIDS=.*/PIDS=\"$PIDS\"/" "$state_file"
}

# stop_pid PID: TERM, up to 10 s, then KILL.
stop_pid() {
  local pid="$1" i
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    alive "$pid" || return 0
    sleep 0.1
  done
  log "$(proc_name "$pid") (pid $pid) did not stop in 10s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

# The EXIT trap of `up` (with up_done=0 until it succeeds): show the logs, keep
# a copy, and stop what was started rather than leave it running (cmd_down).
up_failed() {
  ((up_done)) && return
  log "start failed; the components' last log lines follow"
  local f
  for f in "$STATE_DIR"/logs/*.log; do
    [[ -f "$f" ]] || continue
    log "--- $(basename "$f")"
    tail -n 15 "$f" >&2
  done
  # The full logs outlive the cluster, for a look afterwards.
  rm -rf "$state_file.failed-logs" && cp -r "$STATE_DIR/logs" "$state_file.failed-logs" &&
    log "full logs kept in $state_file.failed-logs"
  cmd_down
}

# ---------------------------------------------------------------------------
# certificates (openssl; EC P-256 keys are quick to make) and kubeconfigs,
# under $STATE_DIR/pki

newkey() {
  openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$1"
}

# make_ca NAME CN: a self-signed CA, valid 30 days.
make_ca() {
  local d="$STATE_DIR/pki"
  mkdir -p "$d"
  newkey "$d/$1.key"
  openssl req -x509 -new -key "$d/$1.key" -subj "/CN=$2" -days 30 -out "$d/$1.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# cert NAME CA SUBJECT USAGE [SAN]: a key and a certificate signed by CA.
cert() {
  local name="$1" ca="$2" subj="$3" usage="$4" san="${5:-}" d="$STATE_DIR/pki"
  newkey "$d/$name.key"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [[ -n "$san" ]] && echo "subjectAltName=$san"
  } >"$d/$name.ext"
  openssl req -new -key "$d/$name.key" -subj "$subj" -out "$d/$name.csr" 2>/dev/null
  openssl x509 -req -in "$d/$name.csr" -CA "$d/$ca.crt" -CAkey "$d/$ca.key" -CAcreateserial \
    -days 30 -extfile "$d/$name.ext" -out "$d/$name.crt" 2>/dev/null
  rm -f "$d/$name.csr" "$d/$name.ext"
}

# service_account_keys: the key pair that signs service account tokens.
service_account_keys() {
  local d="$STATE_DIR/pki"
  newkey "$d/sa.key"
  openssl pkey -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
}

# kubeconfig FILE CERT_NAME SERVER: a self-contained kubeconfig for a client certificate.
kubeconfig() {
  local file="$1" who="$2" server="$3" d="$STATE_DIR/pki"
  b64() { base64 -w0 <"$1"; }
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $cluster_name
  cluster:
    server: $server
    certificate-authority-data: $(b64 "$d/ca.crt")
users:
- name: $who
  user:
    client-certificate-data: $(b64 "$d/$who.crt")
    client-key-data: $(b64 "$d/$who.key")
contexts:
- name: $cluster_name
  context:
    cluster: $cluster_name
    user: $who
current-context: $cluster_name
EOF
  chmod 600 "$file"
}
