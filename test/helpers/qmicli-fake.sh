#!/bin/sh
# A fake `qmicli` for unit tests: prints what qmicli 1.36 prints (TRANSPORTS.md §2.4; card status as
# real qmicli prints it) for the options the qmicli bridge uses. Configured by environment
# (test/helpers/qmicli-fake.ts writes a wrapper that sets it):
#   FAKE_QMICLI_VERSION  1.36.0 (default); below 1.36 the APDU options are unknown, as in Debian's 1.32
#   FAKE_QMICLI_CARD     present (a USIM, default) | blank (no application) | absent | error
#   FAKE_QMICLI_DIR      every run's arguments are appended to $DIR/calls; $DIR/apdu/<COMMAND HEX>
#                        holds the response to send for that APDU (default 6D:00); $DIR/fail-open makes
#                        Open Logical Channel fail with AccessDenied
set -u
version=${FAKE_QMICLI_VERSION:-1.36.0}
card=${FAKE_QMICLI_CARD:-present}
dir=${FAKE_QMICLI_DIR:?FAKE_QMICLI_DIR is not set}
printf '%s\n' "$*" >>"$dir/calls"

minor=$(echo "$version" | cut -d. -f2)
device='' cid='' keep=0 action=''
while [ $# -gt 0 ]; do
  case $1 in
    -d) device=$2; shift ;;
    -p | --device-open-qmi | --device-open-mbim) ;;
    --client-cid=*) cid=${1#*=} ;;
    --client-no-release-cid) keep=1 ;;
    --version | --uim-get-card-status | --uim-noop) action=$1 ;;
    --uim-open-logical-channel=* | --uim-send-apdu=* | --uim-close-logical-channel=*)
      if [ "$minor" -lt 36 ]; then echo "error: Unknown option $1" >&2; exit 1; fi
      action=$1 ;;
    *) echo "error: Unknown option $1" >&2; exit 1 ;;
  esac
  shift
done

if [ "$action" = --version ]; then
  printf 'qmicli %s\nCopyright (C) 2012-2024 Aleksander Morgado\nLicense GPLv2+: GNU GPL version 2 or later <http://gnu.org/licenses/gpl-2.0.html>\nThis is free software: you are free to change and redistribute it.\nThere is NO WARRANTY, to the extent permitted by law.\n\n' "$version"
  exit 0
fi
if [ ! -e "$device" ]; then
  echo "error: couldn't create QmiDevice: Couldn't query file info: Error when getting information for file “$device”: No such file or directory" >&2
  exit 1
fi

card_status() {
  printf '[%s] Successfully got card status\nProvisioning applications:\n' "$device"
  if [ "$card" = present ]; then printf "\tPrimary GW:   slot '1', application '1'\n"; else printf "\tPrimary GW:   session doesn't exist\n"; fi
  printf "\tPrimary 1X:   session doesn't exist\n\tSecondary GW: session doesn't exist\n\tSecondary 1X: session doesn't exist\nSlot [1]:\n"
  case $card in
    absent) printf "\tCard state: 'absent'\n" ;;
    error) printf "\tCard state: 'error'\n\tCard error: 'no-atr-received'\n" ;;
    *) printf "\tCard state: 'present'\n\tUPIN state: 'not-initialized'\n\t\tUPIN retries: '0'\n\t\tUPUK retries: '0'\n" ;;
  esac
  if [ "$card" = present ]; then
    printf "\tApplication [1]:\n\t\tApplication type:  'usim (2)'\n\t\tApplication state: 'ready'\n\t\tApplication ID:\n\t\t\tA0:00:00:00:87:10:02:FF:33:FF:01:89:00:00:01:0A\n"
    printf "\t\tPersonalization state: 'ready'\n\t\tUPIN replaces PIN1: 'no'\n\t\tPIN1 state: 'disabled'\n\t\t\tPIN1 retries: '3'\n\t\t\tPUK1 retries: '10'\n"
  fi
}

case $action in
  --uim-get-card-status) card_status ;;
  --uim-noop) ;;
  --uim-open-logical-channel=*)
    if [ -e "$dir/fail-open" ]; then echo "error: open logical channel operation failed: QMI protocol error (82): 'AccessDenied'" >&2; exit 1; fi
    channel=$(($(cat "$dir/channel" 2>/dev/null || echo 0) + 1))
    echo "$channel" >"$dir/channel"
    echo "Open Logical Channel operation successfully completed: $channel" ;;
  --uim-send-apdu=*)
    command=${action##*,}
    response=$(cat "$dir/apdu/$command" 2>/dev/null || echo 6D:00)
    echo "Send APDU operation successfully completed: $response" ;;
  --uim-close-logical-channel=*) echo 'Close Logical Channel operation successfully completed' ;;
esac
if [ "$keep" = 1 ]; then
  printf "[%s] Client ID not released:\n\tService: 'uim'\n\t    CID: '%s'\n" "$device" "${cid:-7}"
fi
exit 0
