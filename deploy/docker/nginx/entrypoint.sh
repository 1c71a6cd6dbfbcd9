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
    sed -e 's|proxy_pass http://folio;|proxy_pass http://$folio_upstream;|' /etc/nginx/folio-server.conf
} > /etc/nginx/conf.d/folio.conf
nginx -t -q
exec nginx -g 'daemon off;'
