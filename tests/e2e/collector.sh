# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# An rsyslog collector for the audit forwarder, set up as docs/forward.md says: one file per
# syslog HOSTNAME, the message only. Used by tests/e2e/59-forward.sh and by the forwarding
# benchmark (tests/bench/guest-ops.sh, which stages this file as /ag/bench/collector.sh).

# collector_config RS COLL ADDR: in directory RS a CA of its own (RS/ca.pem), a certificate
# for the name "collector" signed by it, and RS/rsyslog.conf: plain TCP on ADDR:6514, TLS
# (the ossl driver) on 127.0.0.1:6515, each host's records into COLL/HOSTNAME.log.
collector_config() {
	printf '[req]\ndistinguished_name = dn\n[dn]\n' >"$1/openssl.cnf"
	export OPENSSL_CONF="$1/openssl.cnf"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/ca.key" \
		-out "$1/ca.pem" -days 2 -subj /CN=agentgate-e2e-ca >/dev/null 2>&1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/srv.key" \
		-out "$1/srv.csr" -subj /CN=collector >/dev/null 2>&1
	printf 'subjectAltName=DNS:collector\n' >"$1/ext"
	openssl x509 -req -in "$1/srv.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial \
		-out "$1/srv.pem" -days 2 -extfile "$1/ext" >/dev/null 2>&1
	cat >"$1/rsyslog.conf" <<EOF
global(maxMessageSize="128k" workDirectory="$1")
module(load="imtcp")
template(name="agentgate_msg" type="string" string="%msg%\n")
template(name="agentgate_file" type="string" string="$2/%hostname:::secpath-replace%.log")
ruleset(name="agentgate") {
  action(type="omfile" dynaFile="agentgate_file" template="agentgate_msg")
}
input(type="imtcp" address="$3" port="6514" ruleset="agentgate")
input(type="imtcp" address="127.0.0.1" port="6515" ruleset="agentgate"
      streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon"
      streamDriver.CAFile="$1/ca.pem" streamDriver.certFile="$1/srv.pem"
      streamDriver.keyFile="$1/srv.key")
EOF
}

# collector_start RS ADDR: rsyslogd in the background (pid in RS/pid, errors in RS/err);
# returns once both ports accept, else prints RS/err and fails (10 s).
collector_start() {
	rsyslogd -n -f "$1/rsyslog.conf" -i "$1/pid" </dev/null >/dev/null 2>>"$1/err" &
	_i=0
	while ! { nc "$2" 6514 </dev/null && nc 127.0.0.1 6515 </dev/null; } >/dev/null 2>&1 &&
		[ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ $_i -lt 100 ] || { cat "$1/err"; false; }
}
