# Sourced by ./test and ./run: the screenshot media code (Web/Media) P/Invokes Debian's libturbojpeg and libwebp,
# which a stock .NET image does not have. Installs what is missing with apt when running as root, otherwise
# names the packages and fails, so a node never starts unable to check uploads.

if ! declare -F apt_install >/dev/null; then
  apt_install() {
    printf '==> installing with apt: %s\n' "$*" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@" >/dev/null
  }
fi

# ldconfig lives in /sbin, which a non-root PATH often lacks.
has_shared_library() {
  { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -qE "^[[:space:]]*$1 "
}

ensure_native_deps() {
  local missing=()
  has_shared_library libturbojpeg.so.0 || missing+=(libturbojpeg0)
  has_shared_library libwebp.so.7 || missing+=(libwebp7)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "missing: ${missing[*]}; run this as root once (it installs them with apt) or: sudo apt-get install ${missing[*]}" >&2
    return 1
  fi
  apt_install "${missing[@]}"
}
