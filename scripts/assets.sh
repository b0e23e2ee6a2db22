#!/usr/bin/env bash
# assets.sh: fetches the dashboards' third-party front-end files from the npm
# registry, at the versions pinned in dashboards/web/package-lock.json, and
# copies the few the binary embeds (go:embed) into dashboards/assets/vendor/
# (DESIGN.md section 5: fetched, not committed; licences in NOTICE):
#
#   echarts.min.js                        ECharts, a slim build made here: dashboards/web/echarts-slim.js
#                                         (only the charts and components the pages use, from
#                                         echarts' ES modules) bundled and minified by esbuild
#   echarts-LICENSE.txt, echarts-NOTICE.txt
#   echarts-LICENSE-d3.txt                d3 code inside echarts.min.js (BSD-3-Clause)
#   zrender-LICENSE.txt                   ECharts' renderer, bundled in echarts.min.js (BSD-3-Clause)
#   echarts.min.js.br                     the same, brotli-compressed (served to browsers that take br)
#   tslib-LICENSE.txt                     TypeScript's helpers, bundled in echarts.min.js (0BSD)
#   noto-sans-khmer-khmer-{400,700}.woff2
#   noto-sans-khmer-LICENSE.txt           SIL OFL 1.1
#   fonts.css, fonts-bold.css             @font-face rules (regular; bold) with relative url()s, so
#                                         that it works served at /assets/vendor/
#                                         and in a static copy of the pages
#
# and, for the browser tests only, axe-core's axe.min.js (and its licence,
# MPL-2.0) into dashboards/testdata/axe/: outside dashboards/assets, so the
# binary neither embeds nor serves it; browser_test.go injects it into each
# page it checks.
#
# npm ci runs with --ignore-scripts: no package code runs on this machine.
# Nothing is done when the vendor folder's stamp (.stamp, a dot file that a
# go:embed of the directory leaves out) matches the sha256 of the lock file
# and of this script, and every file it lists is there; so make build and
# make test call it every time. Used by the Makefile (make assets).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
web=$root/dashboards/web
vendor=$root/dashboards/assets/vendor
lock=$web/package-lock.json

font_weights=(400 700)
# Only the Khmer subset: Latin letters and digits are set in the system's
# font (system-ui in app.css), which every browser has. The font's own Latin
# (two weights, 22 KB) would be fetched by every first visit, English pages
# included, and a first visit on a slow phone network is to stay under
# 250 KB (issue 18). Add latin here to have it back.
font_subsets=(khmer)

say() { echo "assets: $*" >&2; }
die() {
	echo "assets: $*" >&2
	exit 1
}

[ -s "$lock" ] || die "$lock is missing"
# The stamp covers this script too: changing what is copied redoes the copy.
# The slim build's entry too: adding a chart type rebuilds it.
want_stamp="lock $(sha256sum "$lock" | cut -d' ' -f1)
script $(sha256sum "${BASH_SOURCE[0]}" "$web/echarts-slim.js" | cut -d' ' -f1 | tr '\n' ' ')"

# Quick path: the stamp's first two lines are the hashes, the rest the files.
axe=$root/dashboards/testdata/axe
if [ -f "$vendor/.stamp" ] && [ "$(head -n 2 "$vendor/.stamp")" = "$want_stamp" ] && [ -f "$axe/axe.min.js" ]; then
	complete=1
	while IFS= read -r f; do
		[ -f "$vendor/$f" ] || {
			complete=0
			break
		}
	done < <(tail -n +3 "$vendor/.stamp")
	if [ "$complete" -eq 1 ]; then
		say "dashboards/assets/vendor is up to date with dashboards/web/package-lock.json; nothing to do"
		exit 0
	fi
fi

for tool in node npm; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "$tool is not on PATH: npm fetches the dashboards' ECharts and Khmer font (dashboards/web/package.json). Install Debian's nodejs and npm (sudo apt-get install nodejs npm, or as root: bash scripts/prereqs.sh) and run this again"
done

# npm ci wipes node_modules, so its own stamp says which lock it installed.
lock_sum=$(sha256sum "$lock" | cut -d' ' -f1)
if [ "$(cat "$web/node_modules/.vitalstats-lock.sha256" 2>/dev/null || true)" != "$lock_sum" ]; then
	say "npm ci in dashboards/web (package-lock.json sha256 ${lock_sum:0:12})"
	(cd "$web" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2) ||
		die "npm ci failed in $web (is the npm registry reachable?)"
	echo "$lock_sum" >"$web/node_modules/.vitalstats-lock.sha256"
else
	say "dashboards/web/node_modules already matches package-lock.json"
fi

nm=$web/node_modules
version() { node -p "require(process.argv[1]).version" "$1/package.json"; }
echarts_dir=$nm/echarts
zrender_dir=$nm/zrender
font_dir=$nm/@fontsource/noto-sans-khmer

# Build the new folder beside the old one, then swap, so that an interrupted
# run never leaves a half-filled vendor folder behind a valid stamp.
mkdir -p "$root/dashboards/assets"
tmp=$(mktemp -d "$root/dashboards/assets/.vendor.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
files=()
take() { # take SRC NAME: copies SRC into the new folder as NAME
	[ -f "$1" ] || die "${1#"$root"/} is missing from the npm package"
	cp "$1" "$tmp/$2"
	files+=("$2")
}

# The slim ECharts: esbuild (pinned in package.json, its binary from the
# @esbuild/<platform> package npm installed beside it) bundles echarts' ES
# modules that echarts-slim.js imports. process.env.NODE_ENV=production drops
# ECharts' development checks, as in its own dist build. ECharts' licence
# headers are not /*! comments, so the banner names the licences.
esbuild=$nm/esbuild/bin/esbuild
[ -x "$esbuild" ] || die "${esbuild#"$root"/} is missing: is esbuild in dashboards/web/package.json's devDependencies?"
banner="/*! ECharts $(version "$echarts_dir") (Apache-2.0, see echarts-LICENSE.txt, echarts-NOTICE.txt, echarts-LICENSE-d3.txt), zrender $(version "$zrender_dir") (BSD-3-Clause, zrender-LICENSE.txt), tslib (0BSD, tslib-LICENSE.txt): a slim build of dashboards/web/echarts-slim.js by scripts/assets.sh */"
(cd "$web" && "$esbuild" echarts-slim.js --bundle --minify --format=iife --target=es2017 \
	--define:process.env.NODE_ENV='"production"' --legal-comments=none --banner:js="$banner" \
	--log-level=warning --outfile="$tmp/echarts.min.js") || die "esbuild could not bundle dashboards/web/echarts-slim.js"
files+=(echarts.min.js)
# Precompressed with brotli (node's zlib; Go's library has none), served in
# place of gzip to browsers that take br (dashboards/server.go serveAsset).
node -e 'const z = require("zlib"), fs = require("fs"), f = process.argv[1];
fs.writeFileSync(f + ".br", z.brotliCompressSync(fs.readFileSync(f),
  { params: { [z.constants.BROTLI_PARAM_QUALITY]: 11, [z.constants.BROTLI_PARAM_MODE]: z.constants.BROTLI_MODE_TEXT } }));' "$tmp/echarts.min.js"
files+=(echarts.min.js.br)
take "$echarts_dir/LICENSE" echarts-LICENSE.txt
take "$echarts_dir/NOTICE" echarts-NOTICE.txt
take "$echarts_dir/licenses/LICENSE-d3" echarts-LICENSE-d3.txt
take "$zrender_dir/LICENSE" zrender-LICENSE.txt
take "$nm/tslib/LICENSE.txt" tslib-LICENSE.txt
take "$font_dir/LICENSE" noto-sans-khmer-LICENSE.txt

# unicode-range of SUBSET at WEIGHT, from the package's WEIGHT.css, where each
# rule follows a comment naming its file, e.g. /* noto-sans-khmer-khmer-400-normal */.
unicode_range() {
	awk -v want="/* noto-sans-khmer-$1-$2-normal */" '
		$0 == want { inrule = 1; next }
		inrule && /unicode-range:/ { sub(/^[ \t]*unicode-range:[ \t]*/, ""); sub(/;[ \t]*$/, ""); print; exit }
		inrule && /^}/ { inrule = 0 }
	' "$font_dir/$2.css"
}

font_version=$(version "$font_dir")
# fonts.css has the regular weight, fonts-bold.css the bold: a Khmer page
# applies the bold once its charts are drawn (the browser makes bold from
# the regular until then), so that it does not share a slow network with
# ECharts.
header="/* Noto Sans Khmer (SIL OFL 1.1, see noto-sans-khmer-LICENSE.txt), from the npm package
   @fontsource/noto-sans-khmer $font_version; written by scripts/assets.sh. url()s are relative to this file. */
"
css=$header
bold=$header
for subset in "${font_subsets[@]}"; do
	if [ ! -f "$font_dir/files/noto-sans-khmer-$subset-400-normal.woff2" ]; then
		[ "$subset" = khmer ] && die "@fontsource/noto-sans-khmer has no khmer subset"
		say "@fontsource/noto-sans-khmer has no $subset subset; skipped"
		continue
	fi
	for w in "${font_weights[@]}"; do
		name=noto-sans-khmer-$subset-$w.woff2
		take "$font_dir/files/noto-sans-khmer-$subset-$w-normal.woff2" "$name"
		range=$(unicode_range "$subset" "$w")
		[ -n "$range" ] || die "no unicode-range for the $subset subset in ${font_dir#"$root"/}/$w.css"
		rule="
@font-face {
  font-family: 'Noto Sans Khmer';
  font-style: normal;
  font-display: swap;
  font-weight: $w;
  src: url($name) format('woff2');
  unicode-range: $range;
}
"
		if [ "$w" -ge 600 ]; then bold+=$rule; else css+=$rule; fi
	done
done
printf '%s' "$css" >"$tmp/fonts.css"
printf '%s' "$bold" >"$tmp/fonts-bold.css"
files+=(fonts.css fonts-bold.css)

printf '%s\n' "$want_stamp" "${files[@]}" >"$tmp/.stamp"
chmod 755 "$tmp" # mktemp's 700 would follow the folder
rm -rf "$vendor"
mv "$tmp" "$vendor"
trap - EXIT

# axe-core for the browser tests (not embedded: see the top of this file)
mkdir -p "$axe"
cp "$nm/axe-core/axe.min.js" "$axe/axe.min.js"
cp "$nm/axe-core/LICENSE" "$axe/LICENSE-axe-core.txt"
say "wrote dashboards/testdata/axe: axe-core $(version "$nm/axe-core") (tests only)"

say "wrote dashboards/assets/vendor: echarts $(version "$echarts_dir") slim (zrender $(version "$zrender_dir"), esbuild $(version "$nm/esbuild")), @fontsource/noto-sans-khmer $font_version:"
for f in "${files[@]}"; do
	printf '  %-34s %9d bytes\n' "$f" "$(stat -c %s "$vendor/$f")" >&2
done
