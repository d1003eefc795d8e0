#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages eSIM Workbench uses (npm run setup:system). Idempotent: installed
# packages are left alone and `apt-get update` runs only when something is missing. Daemons are not
# started or left enabled: the system tests start their own pcscd/vpcd/qmicli/socat.
set -euo pipefail

# package            why
PACKAGES=(
  pcscd              # PC/SC daemon (system tests run their own instance)
  vsmartcard-vpcd    # virtual reader driver: the virtual eUICC appears as a real PC/SC reader
  pcsc-tools         # pcsc_scan / scriptor, for checking readers by hand
  libpcsclite-dev    # headers for the pcsclite native module
  build-essential    # node-gyp toolchain
  python3            # node-gyp
  libqmi-utils       # qmicli, qmi-proxy
  socat              # pseudo-terminals for AT modem tests
  chromium           # renderer e2e tests (playwright-core drives it)
  xvfb               # display for headed runs on servers
  iproute2           # network namespaces (offline SM-DP+ tests)
  procps             # pgrep/pkill used by test teardown
)
# Packages whose absence only skips some tests (e.g. chromium is not a .deb on Ubuntu).
OPTIONAL=(chromium)
# Units that Debian enables when their package is installed; we disable them again (see header).
declare -A UNITS=([pcscd]="pcscd.socket pcscd.service")

say() { printf '[setup-system] %s\n' "$*"; }

is_optional() { local p; for p in "${OPTIONAL[@]}"; do [[ $p == "$1" ]] && return 0; done; return 1; }

# --- distribution -------------------------------------------------------------------------------
os_id=""; os_like=""
if [[ -r /etc/os-release ]]; then
  # shellcheck disable=SC1091
  . /etc/os-release
  os_id=${ID:-}; os_like=${ID_LIKE:-}
fi
if [[ " $os_id $os_like " != *" debian "* && " $os_id $os_like " != *" ubuntu "* ]] || ! command -v apt-get >/dev/null; then
  say "This script supports Debian and Ubuntu (apt). Found: ${PRETTY_NAME:-unknown system}."
  say "Install the equivalents of these packages with your package manager:"
  for p in "${PACKAGES[@]}"; do printf '    %s\n' "$p"; done
  exit 2
fi

# --- what is missing ----------------------------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
if [[ ${#missing[@]} -eq 0 ]]; then
  say "All ${#PACKAGES[@]} packages are already installed; nothing to do."
  exit 0
fi
say "Missing: ${missing[*]}"

if [[ $(id -u) -ne 0 ]]; then
  say "Installing packages needs root. Run:  sudo npm run setup:system   (or: sudo bash scripts/setup-system.sh)"
  exit 1
fi

# --- install ------------------------------------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
say "apt-get update"
apt-get update -qq

# Split into packages apt can install here and optional ones it does not know (warned, not fatal).
to_install=()
for p in "${missing[@]}"; do
  if apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]'; then
    to_install+=("$p")
  elif is_optional "$p"; then
    say "WARNING: '$p' is not installable from apt on this system; the tests that need it will be skipped."
  else
    say "ERROR: package '$p' is not available from your apt sources (Debian 12+/Ubuntu 22.04+ have it)."
    exit 1
  fi
done
[[ ${#to_install[@]} -eq 0 ]] && { say "Nothing installable; done."; exit 0; }

# policy-rc.d 101 = "do not start services" for the maintainer scripts of this install only.
policy=/usr/sbin/policy-rc.d
created_policy=false
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 0755 "$policy"; created_policy=true
fi
cleanup() { if $created_policy; then rm -f "$policy"; fi; }
trap cleanup EXIT

say "apt-get install ${to_install[*]}"
apt-get install -y -qq --no-install-recommends "${to_install[@]}"

if [[ -d /run/systemd/system ]]; then
  for p in "${to_install[@]}"; do
    units=${UNITS[$p]:-}
    [[ -z $units ]] && continue
    # shellcheck disable=SC2086
    systemctl disable --now $units >/dev/null 2>&1 || true
    say "Left $units disabled (tests start their own daemon; enable it yourself for a real reader: systemctl enable --now pcscd.socket)."
  done
fi

say "Installed: ${to_install[*]}"
