#!/usr/bin/env bash
# Installs the LiveTracker agent for the current user from this checkout: publishes it (self-contained: the .NET SDK
# is needed to build it, no runtime to run it), links ~/.local/bin/livetracker-agent, and installs and starts the
# systemd user service.
# Run as yourself, not root. Native libraries it needs: libx11-6 libxext6 libxtst6 libxi6 libxss1 libturbojpeg0,
# and libnotify-bin for desktop notifications.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" != 0 ] || { echo "run this as the user who will be tracked, not root" >&2; exit 2; }
lib="$HOME/.local/lib/livetracker-agent"
dotnet publish Agent -c Release -o "$lib" -nologo -v quiet
mkdir -p "$HOME/.local/bin" "$HOME/.config/systemd/user" "$HOME/.config/livetracker-agent" "$HOME/.local/share/livetracker-agent"
ln -sf "$lib/livetracker-agent" "$HOME/.local/bin/livetracker-agent"
install -m 0644 deploy/systemd/livetracker-agent.service "$HOME/.config/systemd/user/livetracker-agent.service"
systemctl --user daemon-reload
systemctl --user enable --now livetracker-agent
echo "Installed. Sign in with: livetracker-agent login --server https://your-server ; control page: livetracker-agent open"
