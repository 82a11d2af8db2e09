# Progress for long, otherwise quiet work in the scripts that build things once (kube-apiserver.sh,
# kube-validator.sh, toolchain.sh, base-images.sh, docker-up.sh). Source it after defining `log` (which
# prints one line to stderr). Output stays short: a line per step, a "still ..." line every
# $CLOUDENGINE_PROGRESS_INTERVAL seconds (default 30) while a step runs, and the full output of the
# tools in a log file whose path every line names.
#
#   steps_total N                      the number of steps this run will take
#   step WHAT ESTIMATE                 logs "step k/N: WHAT (ESTIMATE)"
#   quietly LOGFILE WHAT ESTIMATE CMD...
#       runs CMD (a command or a function; with errexit off inside it, so chain with &&) with its
#       output appended to LOGFILE, logging "... still WHAT: 2m30s so far (ESTIMATE); log: LOGFILE"
#       while it runs; on failure logs the last 30 lines of LOGFILE and returns CMD's status
#   heartbeat_start WHAT ESTIMATE LOGFILE / heartbeat_stop
#       the same "still ..." lines around work that runs elsewhere (e.g. a background build)

PROGRESS_INTERVAL=${CLOUDENGINE_PROGRESS_INTERVAL:-30}
_PROGRESS_STEP=0
_PROGRESS_TOTAL=0
_PROGRESS_HB=

progress_fmt() { # seconds -> 45s / 2m05s
  local s=$1
  if ((s >= 60)); then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

steps_total() { _PROGRESS_TOTAL=$1; _PROGRESS_STEP=0; }

# steps_for_missing CHECK...: one step for each check (a function) that fails; the count is in $_PROGRESS_TOTAL.
steps_for_missing() {
  local n=0 check
  for check in "$@"; do "$check" || n=$((n + 1)); done
  steps_total "$n"
}

step() { # what, estimate
  _PROGRESS_STEP=$((_PROGRESS_STEP + 1))
  log "step $_PROGRESS_STEP/$_PROGRESS_TOTAL: $1${2:+ ($2)}"
}

heartbeat_start() { # what, estimate, logfile
  heartbeat_stop
  local what=$1 estimate=$2 logfile=$3 start=$SECONDS parent=$BASHPID
  (
    sp=
    trap '[[ -n "$sp" ]] && kill "$sp" 2>/dev/null; exit 0' TERM INT
    while :; do
      sleep "$PROGRESS_INTERVAL" </dev/null >/dev/null 2>&1 &
      sp=$!
      wait "$sp"
      sp=
      kill -0 "$parent" 2>/dev/null || exit 0
      log "... still $what: $(progress_fmt $((SECONDS - start))) so far${estimate:+ ($estimate)}; log: $logfile"
    done
  ) &
  _PROGRESS_HB=$!
}

heartbeat_stop() {
  if [[ -n "$_PROGRESS_HB" ]]; then
    kill "$_PROGRESS_HB" 2>/dev/null || true
    wait "$_PROGRESS_HB" 2>/dev/null || true
    _PROGRESS_HB=
  fi
}

quietly() { # logfile, what, estimate, command...
  local logfile=$1 what=$2 estimate=$3 rc=0 start=$SECONDS
  shift 3
  mkdir -p "$(dirname "$logfile")"
  printf '\n=== %s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$what" >>"$logfile"
  heartbeat_start "$what" "$estimate" "$logfile"
  "$@" >>"$logfile" 2>&1 </dev/null || rc=$?
  heartbeat_stop
  if ((rc)); then
    log "$what failed (exit $rc) after $(progress_fmt $((SECONDS - start))); last lines of $logfile:"
    tail -n 30 "$logfile" >&2
  fi
  return "$rc"
}
