#!/bin/sh
# trellis-init: the sidecar's traffic-redirect init container. It applies the nat rules Trellis
# rendered for this pod (src/injector/iptables-render.ts) in the pod's network namespace, with
# iptables-restore --noflush: only our TRELLIS_* chains are replaced, every other rule is left alone.
#
# Input, for each family: the environment variable, else the file.
#   IPv4 (required): TRELLIS_IPTABLES_RULES,  else $TRELLIS_IPTABLES_RULES_FILE  (/etc/trellis/iptables.rules)
#   IPv6 (optional): TRELLIS_IP6TABLES_RULES, else $TRELLIS_IP6TABLES_RULES_FILE (/etc/trellis/ip6tables.rules)
#   TRELLIS_IPTABLES_BACKEND: nft (default) or legacy.
# No IPv4 rules is an error: a meshed pod that silently skips capture would bypass its sidecar.
# The rules go to iptables-restore on stdin, so a read-only root filesystem is fine.
set -eu

log() { echo "trellis-init: $*" >&2; }

backend=${TRELLIS_IPTABLES_BACKEND:-nft}
case $backend in
  nft | legacy) ;;
  *) log "TRELLIS_IPTABLES_BACKEND must be nft or legacy, not '$backend'"; exit 2 ;;
esac

# rules VAR FILE: the variable's value, else the file's content, else nothing.
rules() {
  eval "value=\${$1:-}"
  if [ -n "$value" ]; then
    printf '%s\n' "$value"
  elif [ -f "$2" ]; then
    cat "$2"
  fi
}

# hooks TOOL RULE WANTED: leave WANTED copies (0 or 1) of a builtin chain's jump into our chains.
# --noflush replaces our own chains but appends to builtin ones, and a restarted pod sandbox keeps
# its network namespace, so a re-run would add a second jump; a jump the new rules no longer have
# (inbound capture turned off) would stay.
hooks() {
  while [ "$("$1-save" -t nat | grep -cxF -- "-A $2" || true)" -gt "$3" ]; do
    # shellcheck disable=SC2086 # the rule is words on purpose
    "$1" -t nat -D $2
  done
}

# apply TOOL RULES: one table, committed as a whole or not at all, so a refused file changes
# nothing; then the hooks are made single.
apply() {
  tool=$1-$backend
  if ! printf '%s\n' "$2" | "$tool-restore" --noflush; then
    log "$tool-restore refused the rules; nothing was changed"
    exit 1
  fi
  for hook in 'PREROUTING -p tcp -j TRELLIS_INBOUND' 'OUTPUT -p tcp -j TRELLIS_OUTPUT'; do
    hooks "$tool" "$hook" "$(printf '%s\n' "$2" | grep -cxF -- "-A $hook" || true)"
  done
  log "$tool: nat rules applied"
  "$tool-save" -t nat
}

v4=$(rules TRELLIS_IPTABLES_RULES "${TRELLIS_IPTABLES_RULES_FILE:-/etc/trellis/iptables.rules}")
v6=$(rules TRELLIS_IP6TABLES_RULES "${TRELLIS_IP6TABLES_RULES_FILE:-/etc/trellis/ip6tables.rules}")
if [ -z "$v4" ]; then
  log "no IPv4 rules: set TRELLIS_IPTABLES_RULES or mount ${TRELLIS_IPTABLES_RULES_FILE:-/etc/trellis/iptables.rules}"
  exit 1
fi
apply iptables "$v4"
if [ -n "$v6" ]; then
  # The sidecar's IPv6 connections to the app come from ::6, as Istio's do; unlike 127.0.0.6 it is
  # not on lo by default. A failure here (IPv6 off on lo) leaves the rules correct, so it only warns.
  ip -6 addr replace ::6/128 dev lo 2>/dev/null || log "could not add ::6/128 to lo"
  apply ip6tables "$v6"
fi
