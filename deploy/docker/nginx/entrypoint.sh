#!/bin/sh
# Writes the server block from Folio's recommended one, pointed at FOLIO_UPSTREAM
# (host:port of the replicas, default folio:8080), then runs Nginx in the foreground.
set -eu
upstream=${FOLIO_UPSTREAM:-folio:8080}
case $upstream in
    *[!A-Za-z0-9.:_-]*) echo "nginx: FOLIO_UPSTREAM must be host:port, got '$upstream'" >&2; exit 1 ;;
esac
{
    echo "map \"\" \$folio_upstream { default \"$upstream\"; }"
    # Replicas come and go by name: an address of a replica that just went away can
    # stay in the resolver's answer for 2 s, and connecting to it hangs rather than
    # failing. On a container network a connection takes well under a millisecond, so
    # give up on an address after 500 ms and try every other one (within 10 s).
    sed -e 's|proxy_pass http://folio;|proxy_pass http://$folio_upstream;|' \
        -e 's|proxy_connect_timeout [0-9a-z]*;|proxy_connect_timeout 500ms;|' \
        -e 's|proxy_next_upstream_tries [0-9]*;|proxy_next_upstream_tries 0;|' \
        /etc/nginx/folio-server.conf
} > /etc/nginx/conf.d/folio.conf
nginx -t -q
exec nginx -g 'daemon off;'
