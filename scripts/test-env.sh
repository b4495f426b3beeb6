#!/usr/bin/env bash
# Provisions the servers Andon's tests need, on loopback, and exports where they are:
#
#   ANDON_TEST_POSTGRES  Host=127.0.0.1;Port=5432;Username=andon;Password=andon-test
#                        (PostgreSQL 15; role andon is SUPERUSER CREATEDB: tests create and drop
#                        their own databases and extensions such as pg_trgm; max_connections 300)
#   ANDON_TEST_RABBITMQ  amqp://guest:guest@127.0.0.1:5672/
#   ANDON_TEST_LDAP      ldap://127.0.0.1:3890  (OpenLDAP, suffix dc=andon,dc=test, admin
#                        cn=admin,dc=andon,dc=test / andon-test-admin, search account
#                        cn=andon-svc,dc=andon,dc=test / andon-svc-pw, people and groups from
#                        tests/fixtures/ldap/directory.ldif, every person's password andon-test)
#   ANDON_TEST_S3        http://127.0.0.1:4569  (s3rver 3.7.1; access key and secret S3RVER,
#                        bucket andon-test)
#   ANDON_TEST_CHROMIUM  /usr/bin/chromium
#
# Use:  source scripts/test-env.sh      exports the variables into the calling shell
#       bash scripts/test-env.sh        only provisions and checks
#
# A variable that is already set is left alone and its server is not touched. Missing Debian
# packages are installed with apt-get (needs root). A server already running from an earlier
# call is reused. What this starts keeps running after it returns; its logs, the S3 data and
# the npm tools live in /tmp/andon-test-env/.
#
# The file is meant to be sourced, so it changes no shell option of the caller: each server is
# provisioned by a child `bash` running this same file (`--provision NAME`) under
# `set -euo pipefail`, and the sourced part only exports what succeeded. (A subshell would not
# do: bash ignores `set -e` in a subshell whose caller is inside an `if` or `||`.)

ANDON_ENV_DIR=/tmp/andon-test-env

# ------------------------------------------------------------------------------------------------
# Worker: runs in a child process, strict mode. $1 = packages | postgres | rabbitmq | ldap | s3 |
# chromium; for "packages" the rest are the Debian packages to install.
# ------------------------------------------------------------------------------------------------
# shellcheck disable=SC2317  # the helpers below are called through "provision_$1"
_andon_env_worker() {
    set -euo pipefail

    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    local ldif="$root/tests/fixtures/ldap/directory.ldif"
    mkdir -p "$ANDON_ENV_DIR"

    fail() { echo "test-env: ERROR: $*" >&2; return 1; }

    # port_open HOST PORT: something accepts TCP connections there.
    # shellcheck disable=SC2016  # $0/$1 expand in the child bash
    port_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }

    # wait_for SECONDS WHAT COMMAND...: polls COMMAND every second until it succeeds or time is up.
    wait_for() {
        local limit=$1 what=$2 deadline
        shift 2
        deadline=$((SECONDS + limit))
        until "$@" >/dev/null 2>&1; do
            ((SECONDS < deadline)) || fail "$what did not come up within ${limit}s"
            sleep 1
        done
    }

    pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

    preseed_slapd() { # slapd's debconf answers; the package clears the passwords after use
        debconf-set-selections <<'EOF'
slapd slapd/no_configuration boolean false
slapd slapd/domain string andon.test
slapd shared/organization string Andon Test
slapd slapd/password1 password andon-test-admin
slapd slapd/password2 password andon-test-admin
slapd slapd/move_old_database boolean true
slapd slapd/purge_database boolean false
EOF
    }

    # apt_install PKG...: installs those that are missing; one quiet `apt-get update` first.
    apt_install() {
        local missing=() p
        for p in "$@"; do
            pkg_installed "$p" || missing+=("$p")
        done
        ((${#missing[@]})) || return 0
        [[ $(id -u) == 0 ]] || fail "packages ${missing[*]} are missing; installing them needs root"
        if [[ " ${missing[*]} " == *" slapd "* ]]; then
            preseed_slapd # so that slapd comes configured for dc=andon,dc=test
        fi
        echo "test-env: apt-get install ${missing[*]} ..."
        export DEBIAN_FRONTEND=noninteractive
        # Keep package scripts from starting services with the distribution's defaults (slapd on
        # port 389, ...): each server is started below as the tests want it.
        local own_policy=0 rc=0
        if [[ ! -e /usr/sbin/policy-rc.d ]]; then
            printf '#!/bin/sh\n# andon-test-env (temporary)\nexit 101\n' >/usr/sbin/policy-rc.d
            chmod +x /usr/sbin/policy-rc.d
            own_policy=1
        fi
        apt-get update -qq -o DPkg::Lock::Timeout=300 >"$ANDON_ENV_DIR/apt-update.log" 2>&1 || rc=$?
        if ((rc == 0)); then
            apt-get install -y -qq -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confold \
                "${missing[@]}" >"$ANDON_ENV_DIR/apt-install.log" 2>&1 || rc=$?
        fi
        if ((own_policy)) && grep -q andon-test-env /usr/sbin/policy-rc.d; then
            rm -f /usr/sbin/policy-rc.d
        fi
        if ((rc != 0)); then
            tail -n 30 "$ANDON_ENV_DIR"/apt-*.log >&2 || true
            fail "apt-get could not install ${missing[*]} (logs: $ANDON_ENV_DIR/apt-*.log)"
        fi
    }

    # --- PostgreSQL 15 ---------------------------------------------------------------------------

    psql_admin() { # SQL on stdin, as the postgres superuser over the local socket (peer auth)
        (cd / && su postgres -s /bin/sh -c 'psql -X -q -At -v ON_ERROR_STOP=1 -d postgres')
    }
    pg_field() { # column N of cluster 15/main in pg_lsclusters (3 = port, 4 = status)
        pg_lsclusters --no-header 2>/dev/null | awk -v n="$1" '$1 == "15" && $2 == "main" { print $n }'
    }
    pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 -t 1; }

    provision_postgres() {
        apt_install postgresql
        if [[ -z "$(pg_field 2)" ]]; then
            pg_createcluster 15 main >/dev/null
        fi
        [[ "$(pg_field 3)" == 5432 ]] || fail "cluster 15/main is set up for port $(pg_field 3), not 5432"
        local log=/var/log/postgresql/postgresql-15-main.log
        if [[ "$(pg_field 4)" != online* ]]; then
            pg_ctlcluster --skip-systemctl-redirect 15 main start ||
                [[ "$(pg_field 4)" == online* ]] || fail "postgres did not start (see $log)"
        fi
        wait_for 60 "postgres (see $log)" pg_ready

        psql_admin <<'SQL' || fail "could not create the role andon"
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'andon') THEN
        CREATE ROLE andon;
    END IF;
END
$$;
ALTER ROLE andon WITH LOGIN CREATEDB SUPERUSER PASSWORD 'andon-test';
SQL

        local max
        max="$(echo 'SHOW max_connections;' | psql_admin)"
        if ((max < 300)); then
            echo "test-env: postgres max_connections $max -> 300 (restart)"
            echo 'ALTER SYSTEM SET max_connections = 300;' | psql_admin
            pg_ctlcluster --skip-systemctl-redirect 15 main restart || fail "postgres did not restart (see $log)"
            wait_for 60 "postgres after restart (see $log)" pg_ready
        fi

        # The way the tests connect: TCP with a password.
        PGPASSWORD=andon-test PGCONNECT_TIMEOUT=5 psql -X -q -At -h 127.0.0.1 -p 5432 -U andon \
            -d postgres -c 'SELECT 1' >/dev/null ||
            fail "cannot log in on 127.0.0.1:5432 as andon with its password (pg_hba.conf?)"
        echo "postgres ready on 127.0.0.1:5432"
    }

    # --- RabbitMQ --------------------------------------------------------------------------------

    rabbit_up() { timeout 30 rabbitmqctl -q status >/dev/null 2>&1 && port_open 127.0.0.1 5672; }

    # Deletes the virtual hosts that test and bench runs create (andon-test-*, andon_bench_*,
    # andon-bench-*) in one call. The tests delete theirs when their process ends; a run that was
    # killed leaves them, and the node recovers every one of them when it starts: 300 left made the
    # start take 122 s instead of 5.
    delete_leftover_vhosts() {
        local left
        left="$(timeout 300 rabbitmqctl -q eval '
            Ours = fun(V) -> lists:any(fun(P) -> binary:longest_common_prefix([V, P]) =:= byte_size(P) end,
                                       [<<"andon-test-">>, <<"andon_bench_">>, <<"andon-bench-">>]) end,
            length([rabbit_vhost:delete(V, <<"andon-test-env">>) || V <- rabbit_vhost:list_names(), Ours(V)]).')" ||
            fail "could not delete the virtual hosts left by earlier runs"
        ((left == 0)) || echo "test-env: rabbitmq: deleted $left virtual hosts left by earlier runs"
    }

    provision_rabbitmq() {
        apt_install rabbitmq-server
        if ! rabbit_up; then
            # Starting while one is still booting fails harmlessly; the wait below decides. The wait
            # is long because a node recovers every virtual host it holds before it listens.
            (cd / && rabbitmq-server -detached) >"$ANDON_ENV_DIR/rabbitmq-start.log" 2>&1 || true
            wait_for 300 "rabbitmq (see /var/log/rabbitmq/)" rabbit_up
            # Started here, so no run can be using what it holds yet.
            delete_leftover_vhosts
        fi
        echo "rabbitmq ready on 127.0.0.1:5672"
    }

    # --- OpenLDAP --------------------------------------------------------------------------------

    local ldap_url=ldap://127.0.0.1:3890 base=dc=andon,dc=test
    local admin=cn=admin,dc=andon,dc=test admin_pw=andon-test-admin
    local pidfile=/var/run/slapd/slapd.pid

    slapd_configured() { grep -rqsix "olcSuffix: $base" /etc/ldap/slapd.d/cn=config/; }
    slapd_pid() { # a live slapd from the pid file (not a stale file whose pid was reused)
        local pid
        pid="$(cat "$pidfile" 2>/dev/null)" || return 1
        [[ -n $pid && "$(cat "/proc/$pid/comm" 2>/dev/null)" == slapd ]] && echo "$pid"
    }
    slapd_answers() { ldapsearch -x -LLL -o nettimeout=3 -H "$ldap_url" -b "$base" -s base dn >/dev/null 2>&1; }
    admin_binds() { ldapwhoami -x -o nettimeout=5 -H "$ldap_url" -D "$admin" -w "$admin_pw" >/dev/null 2>&1; }

    stop_slapd() {
        local pid deadline
        pid="$(slapd_pid)" || return 0
        echo "test-env: stopping slapd (pid $pid)"
        kill "$pid" 2>/dev/null || true
        deadline=$((SECONDS + 20))
        while kill -0 "$pid" 2>/dev/null; do
            if ((SECONDS >= deadline)); then
                kill -9 "$pid" 2>/dev/null || true
                sleep 1
                break
            fi
            sleep 0.5
        done
    }

    reconfigure_slapd() {
        echo "test-env: configuring slapd for $base (dpkg-reconfigure)"
        stop_slapd
        preseed_slapd
        DEBIAN_FRONTEND=noninteractive dpkg-reconfigure -f noninteractive slapd \
            >"$ANDON_ENV_DIR/slapd-reconfigure.log" 2>&1 ||
            { cat "$ANDON_ENV_DIR/slapd-reconfigure.log" >&2; fail "dpkg-reconfigure slapd failed"; }
        stop_slapd # in case the package scripts started the distribution's own
    }

    start_slapd() {
        ! slapd_answers || return 0
        stop_slapd # one from the pid file that does not answer on our URL holds the database
        install -d -o openldap -g openldap /var/run/slapd
        slapd -h "$ldap_url/" -u openldap -g openldap >"$ANDON_ENV_DIR/slapd-start.log" 2>&1 ||
            { cat "$ANDON_ENV_DIR/slapd-start.log" >&2; fail "slapd did not start"; }
        wait_for 30 "slapd" slapd_answers
    }

    # DNs of the fixture that are not in the directory, lower-cased, one a line.
    missing_dns() {
        local present
        present="$(ldapsearch -x -LLL -o ldif-wrap=no -o nettimeout=5 -H "$ldap_url" \
            -D "$admin" -w "$admin_pw" -b "$base" -s sub dn | sed -n 's/^dn: *//p' | tr '[:upper:]' '[:lower:]')" ||
            fail "cannot list $base as $admin"
        sed -n 's/^dn: *//p' "$ldif" | tr '[:upper:]' '[:lower:]' | grep -vxF -f <(printf '%s\n' "$present") || true
    }

    provision_ldap() {
        [[ -r $ldif ]] || fail "missing $ldif"
        apt_install slapd ldap-utils
        slapd_configured || reconfigure_slapd
        start_slapd
        if ! admin_binds; then # set up for our suffix before, with another admin password
            reconfigure_slapd
            start_slapd
            admin_binds || fail "cannot bind as $admin after reconfiguring slapd"
        fi
        local missing
        missing="$(missing_dns)"
        if [[ -n $missing ]]; then
            echo "test-env: loading ${ldif#"$root"/} into slapd"
            # -c: entries that already exist (from a partial earlier load) are skipped.
            ldapadd -c -x -H "$ldap_url" -D "$admin" -w "$admin_pw" -f "$ldif" \
                >"$ANDON_ENV_DIR/ldapadd.log" 2>&1 || true
            missing="$(missing_dns)"
            if [[ -n $missing ]]; then
                cat "$ANDON_ENV_DIR/ldapadd.log" >&2
                fail "ldapadd did not create: $(tr '\n' ' ' <<<"$missing")"
            fi
        fi
        echo "ldap ready on 127.0.0.1:3890 ($base)"
    }

    # --- S3 (s3rver) -----------------------------------------------------------------------------

    s3_answers() { # GET / answers with the bucket list
        timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/4569 || exit 1
            printf "GET / HTTP/1.0\r\nHost: 127.0.0.1:4569\r\n\r\n" >&3
            grep -q ListAllMyBucketsResult <&3' 2>/dev/null
    }

    provision_s3() {
        if s3_answers; then
            echo "s3 ready on 127.0.0.1:4569 (bucket andon-test)"
            return 0
        fi
        local tools="$ANDON_ENV_DIR/tools"
        local bin="$tools/node_modules/.bin/s3rver"
        if [[ ! -x $bin ]]; then
            command -v npm >/dev/null || fail "npm is needed to install s3rver"
            echo "test-env: npm install s3rver@3.7.1 into $tools ..."
            mkdir -p "$tools"
            npm install --prefix "$tools" --no-audit --no-fund --loglevel=error s3rver@3.7.1 \
                >"$ANDON_ENV_DIR/npm-install.log" 2>&1 ||
                { cat "$ANDON_ENV_DIR/npm-install.log" >&2; fail "npm install s3rver@3.7.1 failed"; }
        fi
        # Started here, so no run is using what earlier runs uploaded (it grew to 455 MB on a
        # machine that ran the tests for days): each start begins with an empty bucket.
        rm -rf "$ANDON_ENV_DIR/s3"
        mkdir -p "$ANDON_ENV_DIR/s3"
        # setsid + nohup: the server outlives this shell and its terminal.
        (
            cd /
            setsid nohup "$bin" -d "$ANDON_ENV_DIR/s3" -a 127.0.0.1 -p 4569 \
                --configure-bucket andon-test >"$ANDON_ENV_DIR/s3rver.log" 2>&1 </dev/null &
            echo $! >"$ANDON_ENV_DIR/s3rver.pid"
        )
        wait_for 60 "s3rver (see $ANDON_ENV_DIR/s3rver.log)" s3_answers
        echo "s3 ready on 127.0.0.1:4569 (bucket andon-test)"
    }

    # --- Chromium --------------------------------------------------------------------------------

    provision_chromium() {
        [[ -x /usr/bin/chromium ]] || apt_install chromium
        # The browser tests measure pages as the plant's phones draw them, in Chinese: without a CJK
        # font Chromium draws each character as a narrower box and the layout is not the real one.
        apt_install fonts-noto-cjk
        [[ -x /usr/bin/chromium ]] || fail "no /usr/bin/chromium after installing the chromium package"
        echo "chromium ready at /usr/bin/chromium"
    }

    case "${1:-}" in
        packages) shift; apt_install "$@" ;;
        postgres | rabbitmq | ldap | s3 | chromium) "provision_$1" ;;
        *) fail "unknown server '${1:-}'" ;;
    esac
}

# ------------------------------------------------------------------------------------------------
# Driver: runs in the caller's shell when sourced.
# ------------------------------------------------------------------------------------------------
_andon_env_main() {
    local self="${BASH_SOURCE[0]}" start=$SECONDS failed=() want=() entry var value name
    mkdir -p "$ANDON_ENV_DIR" || { echo "test-env: ERROR: cannot create $ANDON_ENV_DIR" >&2; return 1; }

    # The Debian packages of the servers still to provision, in one apt-get run.
    [[ -n ${ANDON_TEST_POSTGRES:-} ]] || want+=(postgresql)
    [[ -n ${ANDON_TEST_RABBITMQ:-} ]] || want+=(rabbitmq-server)
    [[ -n ${ANDON_TEST_LDAP:-} ]] || want+=(slapd ldap-utils)
    [[ -n ${ANDON_TEST_CHROMIUM:-} || -x /usr/bin/chromium ]] || want+=(chromium)
    # yamllint for tests/Andon.Deployment.Tests (kubectl with kustomize comes with the machine image).
    command -v yamllint >/dev/null 2>&1 || want+=(yamllint)
    if ((${#want[@]})); then
        bash "$self" --provision packages "${want[@]}" || failed+=("packages")
    fi

    for entry in \
        "ANDON_TEST_POSTGRES|Host=127.0.0.1;Port=5432;Username=andon;Password=andon-test|postgres" \
        "ANDON_TEST_RABBITMQ|amqp://guest:guest@127.0.0.1:5672/|rabbitmq" \
        "ANDON_TEST_LDAP|ldap://127.0.0.1:3890|ldap" \
        "ANDON_TEST_S3|http://127.0.0.1:4569|s3" \
        "ANDON_TEST_CHROMIUM|/usr/bin/chromium|chromium"; do
        IFS='|' read -r var value name <<<"$entry"
        if [[ -n ${!var:-} ]]; then
            echo "$name: $var is already set, left alone"
        elif bash "$self" --provision "$name"; then
            export "$var=$value"
        else
            failed+=("$name")
        fi
    done

    if ((${#failed[@]})); then
        echo "test-env: FAILED: ${failed[*]} (see the messages above)" >&2
        return 1
    fi
    echo "test-env: ready in $((SECONDS - start))s"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    # Executed.
    if [[ ${1:-} == --provision ]]; then
        shift
        _andon_env_worker "$@"
        exit
    fi
    _andon_env_main
    exit
fi

# Sourced: provision, export, and leave nothing else behind in the caller's shell.
_andon_env_main
_andon_env_rc=$?
unset -f _andon_env_main _andon_env_worker
unset ANDON_ENV_DIR
eval "unset _andon_env_rc; return $_andon_env_rc"
