#!/bin/sh
# Writes the server block from Folio's recommended one, pointed at FOLIO_UPSTREAM
# (host:port of the replicas, default folio:8080) and listening on NGINX_LISTEN (default
# 8080), then runs Nginx in the foreground.
#
# FOLIO_UPSTREAM is either
#   - a name (folio:8080, tasks.folio:8080) that Docker's DNS resolves to every replica,
#     asked again every 2 s, or
#   - an IPv4 address (127.0.0.1:8081) that every replica shares with SO_REUSEPORT
#     (FOLIO_LISTEN_REUSE_PORT=true; the host-network Swarm stack): the kernel hands each
#     new connection to a live replica, so a failed idempotent request is retried on a
#     fresh connection to the same address.
set -eu
upstream=${FOLIO_UPSTREAM:-folio:8080}
port=${NGINX_LISTEN:-8080}
case $upstream in
    *[!A-Za-z0-9.:_-]*|'') echo "nginx: FOLIO_UPSTREAM must be host:port, got '$upstream'" >&2; exit 1 ;;
esac
case $port in
    *[!0-9]*|'') echo "nginx: NGINX_LISTEN must be a port number, got '$port'" >&2; exit 1 ;;
esac
if printf '%s' "$upstream" | grep -Eq '^([0-9]{1,3}\.){3}[0-9]{1,3}:[0-9]{1,5}$'; then
    shared=yes
else
    shared=no
fi
{
    if [ "$shared" = yes ]; then
        echo "upstream folio {"
        # Never marked down: it is one address for all of them, and there is always
        # a replica behind it during a rolling update.
        for _ in 1 2 3; do echo "    server $upstream max_fails=0;"; done
        echo "    keepalive 128;"
        echo "}"
        sed -e "s|listen 8080;|listen $port;|" /etc/nginx/folio-server.conf
    else
        echo "map \"\" \$folio_upstream { default \"$upstream\"; }"
        # Replicas come and go by name: an address of a replica that just went away can
        # stay in the resolver's answer for 2 s, and connecting to it hangs rather than
        # failing. On a container network a connection takes well under a millisecond, so
        # give up on an address after 500 ms and try every other one (within 10 s).
        sed -e "s|listen 8080;|listen $port;|" \
            -e 's|proxy_pass http://folio;|proxy_pass http://$folio_upstream;|' \
            -e 's|proxy_connect_timeout [0-9a-z]*;|proxy_connect_timeout 500ms;|' \
            -e 's|proxy_next_upstream_tries [0-9]*;|proxy_next_upstream_tries 0;|' \
            /etc/nginx/folio-server.conf
    fi
} > /etc/nginx/conf.d/folio.conf
nginx -t -q
exec nginx -g 'daemon off;'
