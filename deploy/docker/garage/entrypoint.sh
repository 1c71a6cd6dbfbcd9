#!/bin/sh
# Garage as one node (deploy/docker/garage/Dockerfile). Writes its configuration from
# the environment, starts the server and, the first time, gives the node its role, the
# access key and the bucket; each step is skipped when already done.
#
#   GARAGE_BUCKET           the bucket to create, default folio-media
#   GARAGE_KEY_ID(_FILE)    the access key's ID, GK followed by 24 hex digits
#   GARAGE_SECRET(_FILE)    its secret, 64 hex digits
#   GARAGE_RPC_SECRET(_FILE)  the cluster's secret (64 hex digits); default: one made
#                           on first start and kept in the volume
#   GARAGE_CAPACITY         the node's capacity in the layout, default 10G
#   GARAGE_REGION           the S3 region the API answers to, default garage
#   GARAGE_WEBSITE          1: the bucket is also a website (the web port), for readers
#   GARAGE_BIND_ADDR        the address to listen on, default 0.0.0.0 (127.0.0.1 on a
#                           host's own network)
#   GARAGE_PORT             the S3 API's port, default 3900; RPC, the website and the
#                           admin API (its /health) take the next three
#
# `entrypoint.sh healthy` is the health check: ready once the bucket exists.
set -eu
data=/var/lib/garage
config=/run/garage/garage.toml
ready=/run/garage/ready
bind=${GARAGE_BIND_ADDR:-0.0.0.0}
port=${GARAGE_PORT:-3900}

if [ "${1:-}" = healthy ]; then
    test -f "$ready" && wget -q -O /dev/null "http://127.0.0.1:$((port + 3))/health"
    exit
fi

# A restarted container's marker is from before.
rm -f "$ready"
say() { echo "garage-entrypoint: $*" >&2; }
# VAR, or the contents of the file VAR_FILE names.
value() {
    eval "file=\${${1}_FILE:-}"
    if [ -n "$file" ]; then
        [ -r "$file" ] || { say "$1_FILE names $file, which cannot be read"; exit 1; }
        tr -d ' \n' <"$file"
    else
        eval "printf '%s' \"\${$1:-}\""
    fi
}
hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

bucket=${GARAGE_BUCKET:-folio-media}
key_id=$(value GARAGE_KEY_ID)
secret=$(value GARAGE_SECRET)
echo "$key_id" | grep -Eqx 'GK[0-9a-f]{24}' || { say "GARAGE_KEY_ID must be GK and 24 hex digits (scripts/compose-secrets makes one)"; exit 1; }
echo "$secret" | grep -Eqx '[0-9a-f]{64}' || { say "GARAGE_SECRET must be 64 hex digits (scripts/compose-secrets makes one)"; exit 1; }
rpc_secret=$(value GARAGE_RPC_SECRET)
if [ -z "$rpc_secret" ]; then
    [ -s "$data/rpc_secret" ] || hex 32 >"$data/rpc_secret"
    rpc_secret=$(cat "$data/rpc_secret")
fi

cat >"$config" <<CONF
metadata_dir = "$data/meta"
data_dir = "$data/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "$bind:$((port + 1))"
rpc_public_addr = "127.0.0.1:$((port + 1))"
rpc_secret = "$rpc_secret"

[s3_api]
s3_region = "${GARAGE_REGION:-garage}"
api_bind_addr = "$bind:$port"
root_domain = ".s3.garage"

[s3_web]
bind_addr = "$bind:$((port + 2))"
root_domain = ".web.garage"

[admin]
api_bind_addr = "$bind:$((port + 3))"
CONF

# Garage logs every request at info, the health check's too: those at warn.
export RUST_LOG="${RUST_LOG:-info,garage_api_common::generic_server=warn}"
garage -c "$config" server &
server=$!
trap 'kill -TERM "$server" 2>/dev/null' TERM INT
cli() { garage -c "$config" "$@"; }
until cli status >/dev/null 2>&1; do
    kill -0 "$server" 2>/dev/null || { say "garage server exited"; exit 1; }
    sleep 0.2
done
if cli status 2>/dev/null | grep -q "NO ROLE ASSIGNED"; then
    node=$(cli node id -q | cut -d@ -f1)
    cli layout assign -z dc1 -c "${GARAGE_CAPACITY:-10G}" "$node" >/dev/null
    cli layout apply --version 1 >/dev/null
    say "node $node given a role (capacity ${GARAGE_CAPACITY:-10G})"
fi
until cli bucket list >/dev/null 2>&1; do sleep 0.2; done
cli key info "$key_id" >/dev/null 2>&1 || cli key import --yes -n folio "$key_id" "$secret" >/dev/null
cli bucket info "$bucket" >/dev/null 2>&1 || { cli bucket create "$bucket" >/dev/null; say "bucket $bucket created"; }
cli bucket allow --read --write --owner "$bucket" --key "$key_id" >/dev/null
if [ "${GARAGE_WEBSITE:-0}" = 1 ]; then
    cli bucket website --allow "$bucket" >/dev/null
fi
: >"$ready"
say "ready: bucket $bucket on $bind:$port"
# A TERM or INT interrupts the first wait (the trap passes it on); the second waits for
# the server to finish.
status=0
wait "$server" || status=$?
if [ "$status" -gt 128 ]; then
    status=0
    wait "$server" || status=$?
fi
exit "$status"
