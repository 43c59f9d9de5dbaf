#!/usr/bin/env bash
# Refreshes the Swagger UI assets embedded in abaco's /docs from the npm
# package swagger-ui-dist. Usage: httpapi/docs/update.sh [version]
# (default: the version in assets/VERSION). Needs npm; nothing else in the
# build needs it, since the assets are committed and embedded with go:embed.
set -euo pipefail
cd "$(dirname "$0")"
version="${1:-$(cat assets/VERSION)}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm init -y >/dev/null && npm install --no-audit --no-fund "swagger-ui-dist@$version" >/dev/null)
src="$tmp/node_modules/swagger-ui-dist"
for f in swagger-ui-bundle.js swagger-ui.css favicon-32x32.png favicon-16x16.png LICENSE NOTICE; do
  cp "$src/$f" "assets/$f"
done
# The source maps are not shipped; drop the comments that point at them so
# a browser's developer tools do not ask the server for them.
sed -i '/sourceMappingURL=/d' assets/swagger-ui-bundle.js assets/swagger-ui.css
node -p "require('$src/package.json').version" > assets/VERSION
echo "swagger-ui-dist $(cat assets/VERSION) copied into $(pwd)/assets"
