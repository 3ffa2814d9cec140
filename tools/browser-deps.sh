# Sourced by ./test (and ./run for npm): the pages' SignalR client is installed from npm by the build (npm ci in
# Web/LiveTracker.Web.csproj), and the browser tests drive Debian's Chromium at /usr/bin/chromium (Playwright's own
# browser download is never used). Installs what is missing with apt when running as root, otherwise names it.

if ! declare -F apt_install >/dev/null; then
  apt_install() {
    printf '==> installing with apt: %s\n' "$*" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@" >/dev/null
  }
fi

# $1: "with-browser" to also require Chromium (the tests); without it only npm (building the pages).
ensure_page_deps() {
  local missing=()
  command -v npm >/dev/null || missing+=(nodejs npm)
  if [ "${1:-}" = with-browser ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "missing: ${missing[*]}; run this as root once (it installs them with apt) or: sudo apt-get install ${missing[*]}" >&2
    return 1
  fi
  apt_install "${missing[@]}"
}
