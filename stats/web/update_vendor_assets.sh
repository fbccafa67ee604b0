#!/usr/bin/env bash
# Refresh the third-party assets under stats/static/vendor/ from the npm registry.
# Run by hand when upgrading; the files are committed, so neither builds nor pages
# ever fetch them from a CDN. Needs npm; writes only into stats/static/vendor/.
set -euo pipefail
BOOTSTRAP_VERSION="${BOOTSTRAP_VERSION:-5.3.8}"
CHARTJS_VERSION="${CHARTJS_VERSION:-4.5.1}"
here="$(cd "$(dirname "$0")/../static/vendor" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "bootstrap@${BOOTSTRAP_VERSION}" "chart.js@${CHARTJS_VERSION}" >/dev/null
mkdir bootstrap chartjs
tar xzf "bootstrap-${BOOTSTRAP_VERSION}.tgz" -C bootstrap
tar xzf "chart.js-${CHARTJS_VERSION}.tgz" -C chartjs
cp bootstrap/package/dist/css/bootstrap.min.css bootstrap/package/dist/js/bootstrap.bundle.min.js \
   bootstrap/package/LICENSE "$here/bootstrap/"
cp chartjs/package/dist/chart.umd.min.js chartjs/package/LICENSE.md "$here/chart.js/"
printf 'bootstrap %s\nchart.js %s\n' "$BOOTSTRAP_VERSION" "$CHARTJS_VERSION" > "$here/VERSIONS"
echo "vendor assets: bootstrap ${BOOTSTRAP_VERSION}, chart.js ${CHARTJS_VERSION}"
