#!/usr/bin/env bash
# assets.sh: fetches the dashboards' third-party front-end files from the npm
# registry, at the versions pinned in dashboards/web/package-lock.json, and
# copies the few the binary embeds (go:embed) into dashboards/assets/vendor/
# (DESIGN.md section 5: fetched, not committed; licences in NOTICE):
#
#   echarts.min.js                        ECharts, the full build (echarts/dist)
#   echarts-LICENSE.txt, echarts-NOTICE.txt
#   echarts-LICENSE-d3.txt                d3 code inside echarts.min.js (BSD-3-Clause)
#   zrender-LICENSE.txt                   ECharts' renderer, bundled in echarts.min.js (BSD-3-Clause)
#   noto-sans-khmer-{khmer,latin}-{400,700}.woff2
#   noto-sans-khmer-LICENSE.txt           SIL OFL 1.1
#   fonts.css                             @font-face rules with relative url()s, so
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
# latin is taken when the package has it: the Khmer pages also carry digits
# and Latin words, and the font's own Latin matches its Khmer.
font_subsets=(khmer latin)

say() { echo "assets: $*" >&2; }
die() {
	echo "assets: $*" >&2
	exit 1
}

[ -s "$lock" ] || die "$lock is missing"
# The stamp covers this script too: changing what is copied redoes the copy.
want_stamp="lock $(sha256sum "$lock" | cut -d' ' -f1)
script $(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"

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

take "$echarts_dir/dist/echarts.min.js" echarts.min.js
take "$echarts_dir/LICENSE" echarts-LICENSE.txt
take "$echarts_dir/NOTICE" echarts-NOTICE.txt
take "$echarts_dir/licenses/LICENSE-d3" echarts-LICENSE-d3.txt
take "$zrender_dir/LICENSE" zrender-LICENSE.txt
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
css="/* Noto Sans Khmer (SIL OFL 1.1, see noto-sans-khmer-LICENSE.txt), from the npm package
   @fontsource/noto-sans-khmer $font_version; written by scripts/assets.sh. url()s are relative to this file. */
"
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
		css+="
@font-face {
  font-family: 'Noto Sans Khmer';
  font-style: normal;
  font-display: swap;
  font-weight: $w;
  src: url($name) format('woff2');
  unicode-range: $range;
}
"
	done
done
printf '%s' "$css" >"$tmp/fonts.css"
files+=(fonts.css)

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

say "wrote dashboards/assets/vendor: echarts $(version "$echarts_dir") (zrender $(version "$zrender_dir")), @fontsource/noto-sans-khmer $font_version:"
for f in "${files[@]}"; do
	printf '  %-34s %9d bytes\n' "$f" "$(stat -c %s "$vendor/$f")" >&2
done
