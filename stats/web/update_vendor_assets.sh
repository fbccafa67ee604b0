#!/usr/bin/env bash
# Refresh the third-party assets under stats/static/vendor/ from the npm registry.
# Run by hand when upgrading; the files are committed, so neither builds nor pages
# ever fetch them from a CDN. Needs npm; writes only into stats/static/vendor/.
set -euo pipefail
BOOTSTRAP_VERSION="${BOOTSTRAP_VERSION:-5.3.8}"
CHARTJS_VERSION="${CHARTJS_VERSION:-4.5.1}"
# GraphiQL 3 is the last with a browser (UMD) build; it needs React 18 UMD builds.
GRAPHIQL_VERSION="${GRAPHIQL_VERSION:-3.8.3}"
REACT_VERSION="${REACT_VERSION:-18.2.0}"
here="$(cd "$(dirname "$0")/../static/vendor" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "bootstrap@${BOOTSTRAP_VERSION}" "chart.js@${CHARTJS_VERSION}" \
  "graphiql@${GRAPHIQL_VERSION}" "react@${REACT_VERSION}" "react-dom@${REACT_VERSION}" >/dev/null
mkdir bootstrap chartjs graphiql react react-dom
tar xzf "bootstrap-${BOOTSTRAP_VERSION}.tgz" -C bootstrap
tar xzf "chart.js-${CHARTJS_VERSION}.tgz" -C chartjs
cp bootstrap/package/dist/css/bootstrap.min.css bootstrap/package/dist/js/bootstrap.bundle.min.js \
   bootstrap/package/LICENSE "$here/bootstrap/"
cp chartjs/package/dist/chart.umd.min.js chartjs/package/LICENSE.md "$here/chart.js/"
tar xzf "graphiql-${GRAPHIQL_VERSION}.tgz" -C graphiql
tar xzf "react-${REACT_VERSION}.tgz" -C react
tar xzf "react-dom-${REACT_VERSION}.tgz" -C react-dom
mkdir -p "$here/graphiql" "$here/react"
cp graphiql/package/graphiql.min.js graphiql/package/graphiql.min.css graphiql/package/LICENSE "$here/graphiql/"
cp react/package/umd/react.production.min.js react-dom/package/umd/react-dom.production.min.js "$here/react/"
cp react/package/LICENSE "$here/react/LICENSE"
printf 'bootstrap %s\nchart.js %s\ngraphiql %s\nreact %s\nreact-dom %s\n' "$BOOTSTRAP_VERSION" \
  "$CHARTJS_VERSION" "$GRAPHIQL_VERSION" "$REACT_VERSION" "$REACT_VERSION" > "$here/VERSIONS"
echo "vendor assets: $(tr '\n' ' ' < "$here/VERSIONS")"
