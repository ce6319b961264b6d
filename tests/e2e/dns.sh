# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# A real DNS server for the VM tests and the demo (sourced, like kernel.sh): dnsmasq on
# 127.0.0.53 port 53, UDP and TCP, answering the records it is given and nothing else
# (other names: NXDOMAIN, nothing is forwarded), with the guest's resolver pointed at it.
# Only for the throw-away VM guest: it rewrites /etc/resolv.conf and /etc/nsswitch.conf.
#
#   dns_start [NAME=ADDR[,ADDR...][/TTL]]...
#       (Re)starts dnsmasq with these A and AAAA records (TTL in seconds, default $DNS_TTL),
#       writes /etc/resolv.conf (nameserver 127.0.0.53) and /etc/nsswitch.conf (hosts: files
#       dns), adds each IPv6 address to lo. Returns non-zero, with a message on stderr, when
#       dnsmasq does not start. A second call replaces the first one's records.
#       e.g. dns_start hooks.slack.com=127.0.0.30 multi.e2e.test=127.0.0.41,127.0.0.42 \
#                      v6.e2e.test=fd00:a9::35 short.e2e.test=127.0.0.50/1
#   dns_stop                  stops it (the resolver files stay)
#   dns_queried NAME          true if a query for NAME reached dnsmasq since dns_start
#   dns_listener SECONDS      a TCP listener on port 8443 of every address (IPv4 and IPv6,
#                             Fast Open allowed) for SECONDS, its pid in $listener; returns
#                             once it listens
#   dns_resolver_rules        the file_read rules getaddrinfo needs, as policy YAML lines to
#                             put in a rules list (like probe_rules)
#   dns_policy NAME <<EOP     policy NAME (kernel.sh): default deny, the probe's and the
#                             resolver's rules, then the rules read from stdin; with
#                             DNS_GRACE set, its dns_grace
# Settings: DNS_TTL (60), DNS_ADDR (127.0.0.53), DNS_HOSTS (a hosts file of more records,
# answered with TTL DNS_TTL; none by default), DNS_LOG (the query log,
# /tmp/dns-e2e.log), DNS_PID (/tmp/dns-e2e.pid), DNSMASQ (dnsmasq's path).

DNS_TTL=${DNS_TTL:-60}
DNS_ADDR=${DNS_ADDR:-127.0.0.53}
DNS_LOG=${DNS_LOG:-/tmp/dns-e2e.log}
DNS_PID=${DNS_PID:-/tmp/dns-e2e.pid}
DNSMASQ=${DNSMASQ:-$(command -v dnsmasq || echo /usr/sbin/dnsmasq)}

dns_stop() {
	_dp=$(cat "$DNS_PID" 2>/dev/null)
	rm -f "$DNS_PID"
	[ -n "$_dp" ] || return 0
	kill "$_dp" 2>/dev/null || return 0
	# The port must be free before a new instance binds it.
	_di=0
	while [ -d "/proc/$_dp" ] && [ "$_di" -lt 50 ]; do
		sleep 0.1
		_di=$((_di + 1))
	done
	return 0
}

# _dns_hex ADDR: ADDR as /proc/net/{udp,tcp} print a local IPv4 address ("3500007F:0035").
_dns_hex() {
	# shellcheck disable=SC2046 # four octets on purpose
	set -- $(echo "$1" | tr . ' ')
	printf '%02X%02X%02X%02X:0035' "$4" "$3" "$2" "$1"
}

dns_start() {
	if [ ! -x "$DNSMASQ" ]; then
		echo "dns_start: no dnsmasq (${DNSMASQ:-not in PATH})" >&2
		return 1
	fi
	dns_stop
	# Records: one --host-record per address (dnsmasq answers every one given for a name).
	set -- "$@" --
	while [ "$1" != -- ]; do
		_dr=$1
		shift
		case $_dr in
		*=*) ;;
		*) echo "dns_start: want NAME=ADDR[,ADDR...][/TTL], got '$_dr'" >&2; return 2 ;;
		esac
		_dn=${_dr%%=*}
		_da=${_dr#*=}
		_dt=$DNS_TTL
		case $_da in */*) _dt=${_da##*/} _da=${_da%/*} ;; esac
		for _a in $(echo "$_da" | tr , ' '); do
			case $_a in
			*:*) ip -6 addr add "$_a/128" dev lo 2>/dev/null ;;
			esac
			set -- "$@" "--host-record=$_dn,$_a,$_dt"
		done
	done
	shift # the --
	ip addr add "$DNS_ADDR/32" dev lo 2>/dev/null
	rm -f "$DNS_LOG"
	# --local=/#/: every other name is answered here (NXDOMAIN), never forwarded.
	if ! "$DNSMASQ" --conf-file=/dev/null --port=53 --listen-address="$DNS_ADDR" \
		--bind-interfaces --no-resolv --no-hosts --no-poll --local=/#/ \
		--local-ttl="$DNS_TTL" --user=root --group=root --pid-file="$DNS_PID" \
		${DNS_HOSTS:+--addn-hosts="$DNS_HOSTS"} \
		--log-queries --log-facility="$DNS_LOG" "$@"; then
		echo "dns_start: dnsmasq failed to start: $(tail -n 3 "$DNS_LOG" 2>/dev/null | tr '\n' ' ')" >&2
		return 1
	fi
	printf 'nameserver %s\n' "$DNS_ADDR" >/etc/resolv.conf
	printf 'hosts: files dns\n' >/etc/nsswitch.conf
	# dnsmasq reports start-up errors before it detaches; still, wait for both sockets.
	_dh=$(_dns_hex "$DNS_ADDR")
	_di=0
	until grep -q " $_dh 00000000:0000 07 " /proc/net/udp &&
		grep -q " $_dh 00000000:0000 0A " /proc/net/tcp; do
		_di=$((_di + 1))
		if [ "$_di" -gt 50 ]; then
			echo "dns_start: dnsmasq does not listen on $DNS_ADDR:53" >&2
			return 1
		fi
		sleep 0.1
	done
	return 0
}

dns_listener() {
	"$PROBE" tcp-serve 8443 "$1" >/dev/null 2>&1 &
	listener=$!
	_dl=0
	until grep -q ':20FB 00000000000000000000000000000000:0000 0A' /proc/net/tcp6 || [ $_dl -gt 50 ]; do
		sleep 0.1
		_dl=$((_dl + 1))
	done
}

dns_queried() {
	grep -q "query\[[A-Z]*\] $1 from" "$DNS_LOG" 2>/dev/null
}

dns_resolver_rules() {
	cat <<EOR
  - action: file_read
    path: "/etc/nsswitch.conf"
    decision: allow
  - action: file_read
    path: "/etc/host.conf"
    decision: allow
  - action: file_read
    path: "/etc/hosts"
    decision: allow
  - action: file_read
    path: "/etc/resolv.conf"
    decision: allow
  - action: file_read
    path: "/etc/gai.conf"
    decision: allow
EOR
}

dns_policy() {
	_dp_rules=$(cat)
	policy "$1" <<EOP
version: "1.0"
default: deny
${DNS_GRACE:+dns_grace: $DNS_GRACE}
rules:
$(probe_rules)
$(dns_resolver_rules)
$_dp_rules
EOP
}
