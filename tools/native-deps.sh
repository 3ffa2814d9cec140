# Sourced by ./test, ./run and bench/run: native libraries a stock .NET image does not have. The server's
# screenshot media code (Web/Media) runs on SkiaSharp, whose libSkiaSharp.so ships in the NuGet package but links
# libfontconfig.so.1 (which brings libfreetype6, libexpat1 and libpng16 with it) and libstdc++; the agent (Agent/X11)
# encodes its captures with libturbojpeg and needs the X client libraries, and its tests X and D-Bus tools (below).
# Installs what is missing with apt when running as root, otherwise names the packages and fails, so a node never
# starts unable to check uploads.

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
  # The name compared as a whole field, not a pattern (libstdc++ has regex characters).
  { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | awk -v lib="$1" '$1 == lib { found = 1 } END { exit !found }'
}

# ensure_native_deps server: only what a node needs (./run, deploy/local-cluster); without an argument also the
# agent's and its tests' (./test, bench/run).
ensure_native_deps() {
  local missing=()
  # libSkiaSharp.so's own needs (ldd of the package's linux-x64 build): fontconfig, and through it freetype.
  has_shared_library libfontconfig.so.1 || missing+=(libfontconfig1)
  has_shared_library libfreetype.so.6 || missing+=(libfreetype6)
  has_shared_library libstdc++.so.6 || missing+=(libstdc++6)
  [ "${1:-}" = server ] && { install_missing "${missing[@]}"; return; }
  # The Linux agent (Agent/X11) and its tests: libturbojpeg for its JPEGs, X client libraries, plus a headless X
  # server, a window manager, windows and synthetic input for Tests/LiveTracker.Agent.Tests.
  has_shared_library libturbojpeg.so.0 || missing+=(libturbojpeg0)
  has_shared_library libX11.so.6 || missing+=(libx11-6)
  has_shared_library libXext.so.6 || missing+=(libxext6)
  has_shared_library libXtst.so.6 || missing+=(libxtst6)
  has_shared_library libXi.so.6 || missing+=(libxi6)
  has_shared_library libXss.so.1 || missing+=(libxss1)
  command -v Xvfb >/dev/null || missing+=(xvfb)
  command -v xdotool >/dev/null || missing+=(xdotool)
  command -v xterm >/dev/null || missing+=(xterm)
  command -v xdpyinfo >/dev/null || missing+=(x11-utils)
  command -v openbox >/dev/null || missing+=(openbox)
  # Desktop notifications (Agent/Desktop): notify-send; its tests run a private dbus-daemon with dbus-monitor and a
  # small notification service in Debian's python3 (python3-dbus with the GLib main loop from python3-gi).
  command -v notify-send >/dev/null || missing+=(libnotify-bin)
  { command -v dbus-daemon && command -v dbus-monitor; } >/dev/null || missing+=(dbus)
  /usr/bin/python3 -c 'import dbus, dbus.mainloop.glib; from gi.repository import GLib' 2>/dev/null \
    || missing+=(python3-dbus python3-gi)
  # The agent's user service file is checked with systemd-analyze verify.
  command -v systemd-analyze >/dev/null || missing+=(systemd)
  install_missing "${missing[@]}"
}

install_missing() {
  [ $# -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "missing: $*; run this as root once (it installs them with apt) or: sudo apt-get install $*" >&2
    return 1
  fi
  apt_install "$@"
}
