#!/usr/bin/env bash
# `nginx -t` on deploy/nginx/site.conf (with each upstream file) and a throwaway certificate, without
# touching the machine's nginx: a private prefix holding a minimal nginx.conf that includes the site.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ssl" "$work/logs"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=qingchun.test" \
  -keyout "$work/ssl/privkey.pem" -out "$work/ssl/fullchain.pem" >/dev/null 2>&1
for upstream in upstream-local.conf upstream-compose.conf; do
  sed -e "s#/etc/ssl/qingchun#$work/ssl#" -e "s#/var/log/nginx/#$work/logs/#" -e "s#/etc/nginx/qingchun-proxy-params#$here/nginx/proxy_params#" \
      -e "s#/etc/nginx/qingchun-upstream.conf#$work/upstream.conf#" "$here/nginx/site.conf" > "$work/site.conf"
  # compose's names resolve only inside compose: stand them in for the check.
  sed -e "s#web1:8000#127.0.0.1:8000#" -e "s#web2:8000#127.0.0.1:8001#" "$here/nginx/$upstream" > "$work/upstream.conf"
  cat > "$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 64; }
http {
    access_log $work/logs/access.log;
    client_body_temp_path $work/body;
    include $work/site.conf;
}
CONF
  echo "==> nginx -t (site.conf + $upstream)"
  nginx -t -p "$work" -c "$work/nginx.conf"
done
