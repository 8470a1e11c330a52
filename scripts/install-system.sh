#!/usr/bin/env bash
# The Debian 12 packages Chengxin needs, installed only when missing. Called by `make install`
# (hence by `make run` and `make test`) and by `.ci/run` — the one place that knows them.
#
#   scripts/install-system.sh        what running and testing the app need
#   scripts/install-system.sh --ci   also PostgreSQL (server, pg_isready) and Redis for `.ci/run`
#
# Each check is cheap (command -v, fc-list, ldconfig): a machine that has everything runs no apt-get
# and prints nothing. As root apt-get runs directly, otherwise through sudo; when neither is
# possible the script prints the command to run and fails.
set -eu

ci=""
case "${1:-}" in
    "") ;;
    --ci) ci=1 ;;
    *) echo "usage: $0 [--ci]" >&2; exit 2 ;;
esac

missing=()
need() { missing+=("$@"); }
has() { command -v "$1" >/dev/null 2>&1; }
# ldconfig lives in /sbin, outside a normal user's PATH.
libraries() { PATH="$PATH:/usr/sbin:/sbin" ldconfig -p 2>/dev/null; }

has python3 || need python3
python3 -c "import venv, ensurepip" 2>/dev/null || need python3-venv
has make || need make
has node && has npm || need nodejs npm
# Browser tests drive Debian's Chromium, never a downloaded browser.
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need chromium
# Documents: weasyprint draws with Pango, finds fonts with fontconfig and subsets them with
# libharfbuzz-subset0 (without it a one-page CJK render takes seconds, not 0.1 s). The documents'
# stylesheet is written for Noto Serif/Sans CJK: without a CJK font every character is a box.
has fc-list || need fontconfig
fc-list ":lang=zh" family 2>/dev/null | grep -qi "noto serif cjk" || need fonts-noto-cjk
libraries | grep -q "libpangoft2-1.0.so.0" || need libpangoft2-1.0-0
libraries | grep -q "libharfbuzz-subset.so.0" || need libharfbuzz-subset0
# The tests read the PDFs back as a reader would.
has pdftotext && has pdffonts && has pdftoppm || need poppler-utils
if [ -n "$ci" ]; then
    has pg_isready || need postgresql postgresql-client
    has redis-server || need redis-server
fi

[ ${#missing[@]} -eq 0 ] && exit 0

packages="${missing[*]}"
if ! has apt-get; then
    echo "Missing system packages (Debian names): $packages — install them with your package manager." >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif has sudo; then
    as_root=(sudo)
else
    echo "Missing system packages: $packages" >&2
    echo "Run as root:  apt-get update && apt-get install -y $packages" >&2
    exit 1
fi

echo "Installing system packages: $packages" >&2
apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)  # sudo resets the environment
if ! { "${apt[@]}" update -qq && "${apt[@]}" install -y -qq "${missing[@]}" >/dev/null; }; then
    echo "Could not install the system packages. Run as root:  apt-get update && apt-get install -y $packages" >&2
    exit 1
fi
