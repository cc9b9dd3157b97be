#!/usr/bin/env bash
# Debian packages the tests need: headless chromium (browser tests), PostgreSQL 15, Redis (shared cache, queue
# and rate counters), gettext (message catalogues), CJK fonts (Noto for screenshots; WenQuanYi Micro Hei, TrueType
# outlines, embedded in PDFs), espeak-ng (the read-aloud voice). Installs only what is missing.
set -euo pipefail
wanted=(chromium postgresql-15 redis-server gettext fonts-noto-cjk fonts-wqy-microhei espeak-ng)
[ "$#" -gt 0 ] && wanted=("$@")
missing=()
for pkg in "${wanted[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
