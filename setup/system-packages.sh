#!/usr/bin/env bash
# The system packages the project uses, installed from Debian's repositories when this runs as
# root on a machine with apt-get; elsewhere it only says what is missing and how to get it.
# `make demo` calls it for PostgreSQL, `make test` for PostgreSQL and headless Chromium.
#
#   setup/system-packages.sh postgres            the server binaries of the local cluster
#   setup/system-packages.sh postgres chromium   … and Chromium + ChromeDriver for the page tests
#
# Never fatal: without system PostgreSQL the `pgserver` wheel (requirements.lock) provides one;
# without Chromium the browser test fails and names the command to run.
set -uo pipefail

need=()
for want in "$@"; do
  case "$want" in
    postgres)
      ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql) ;;
    chromium)
      # Fonts: with --no-install-recommends Chromium brings none, and pages would render without text.
      { command -v chromium && command -v chromedriver; } >/dev/null 2>&1 \
        || need+=(chromium chromium-driver fonts-dejavu-core) ;;
    *) echo "system-packages: unknown group '$want' (postgres, chromium)" >&2; exit 2 ;;
  esac
done

root=false
[ "$(id -u)" = 0 ] && root=true
if [ ${#need[@]} -gt 0 ]; then
  if $root && command -v apt-get >/dev/null 2>&1; then
    echo "system-packages: installing ${need[*]} (apt-get; its output in ${log:=/tmp/publics-system-packages.log})"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } >"$log" 2>&1; then
      tail -n 5 "$log"
      echo "system-packages: apt-get could not install ${need[*]}; going on with what the machine has"
    fi
  else
    echo "system-packages: missing ${need[*]} (as root: apt-get install -y --no-install-recommends ${need[*]})"
  fi
fi

# PostgreSQL refuses to run as root: as root, the local cluster runs as the `postgres` system user.
if $root && ! id postgres >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
fi
exit 0
