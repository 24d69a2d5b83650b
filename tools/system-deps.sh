#!/usr/bin/env bash
# Debian packages the project needs beyond Python: a complete CJK font for posters and certificates
# (Chinese, digits and Latin letters: WenQuanYi Micro Hei; a font answering `fc-list :lang=zh` is not
# enough, Droid Sans Fallback has no digits), zbar for the tests that decode QR codes from rendered
# posters; on request the fonts the font tests draw with (Droid Sans Fallback, which broke certificates
# on machines that have it, and DejaVu Sans, the Latin fallback), chromium
# (browser tests), nginx (the deployment's site checked with nginx -t; installing does not start it) and wrk
# (the benches' load generator). Installs only what is
# missing; uses sudo when not root; on a machine without apt it says what to install and goes on.
set -euo pipefail

missing=()
# Outputs captured first: `cmd | grep -q` under pipefail fails when grep stops reading early.
libs="$(ldconfig -p 2>/dev/null || true)"
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || [ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] \
  || missing+=(fonts-wqy-microhei)
command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
[[ "$libs" == *libzbar.so* ]] || missing+=(libzbar0)
for extra in "$@"; do
  case "$extra" in
    fonts) [ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || missing+=(fonts-droid-fallback)
           [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core) ;;
    chromium) command -v chromium >/dev/null 2>&1 || missing+=(chromium) ;;
    nginx) command -v nginx >/dev/null 2>&1 || missing+=(nginx-light openssl) ;;  # deploy/check-nginx.sh
    npm) command -v npm >/dev/null 2>&1 || missing+=(npm) ;;  # front-end assets (package-lock.json)
    wrk) command -v wrk >/dev/null 2>&1 || missing+=(wrk) ;;  # the benches' load generator (bench/wrk.py)
  esac
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "==> 安装系统依赖: ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "!! 没有 apt-get：请手动安装 ${missing[*]}（中文字体与 zbar）" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "!! 需要 root 权限安装 ${missing[*]}" >&2; exit 0; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
  $SUDO apt-get update >/dev/null
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
}
