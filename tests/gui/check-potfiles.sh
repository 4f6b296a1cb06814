#!/usr/bin/env bash
# Every GUI source, template and data file with a translatable string is listed in
# po/POTFILES.in, every listed file exists, and every language in LINGUAS has a
# complete translation (no untranslated or fuzzy message).
set -euo pipefail
top=${DIGITS_SOURCE_DIR:?}
cd "$top"
status=0
listed=$(grep -v '^#' po/POTFILES.in | sed '/^$/d' | sort)
for f in $listed; do
  [[ -f "$f" ]] || { echo "not ok: POTFILES.in lists missing file $f"; status=1; }
done
found=$( { grep -lE '\b(N?_|C_|NC_)\(' src/gui/*.c 2>/dev/null || true
           grep -l 'translatable="yes"' ui/*.ui ui/gtk/*.ui 2>/dev/null || true
           ls data/*.desktop.in data/*.metainfo.xml.in data/*.gschema.xml; } | sort -u)
for f in $found; do
  grep -qxF "$f" <<<"$listed" || { echo "not ok: $f has translatable strings but is not in po/POTFILES.in"; status=1; }
done
pot=$(mktemp -d)
trap 'rm -rf "$pot"' EXIT
xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --add-comments=TRANSLATORS --files-from=<(grep -v '^#' po/POTFILES.in | sed '/^$/d') \
  --directory="$top" -o "$pot/digits.pot" 2>"$pot/xgettext.err" || { cat "$pot/xgettext.err"; exit 1; }
for lang in $(grep -v '^#' po/LINGUAS); do
  msgmerge --quiet "po/$lang.po" "$pot/digits.pot" -o "$pot/$lang.po"
  stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$pot/$lang.po" 2>&1)
  if grep -qE 'untranslated|fuzzy' <<<"$stats"; then
    echo "not ok: $lang is incomplete: $stats"; status=1
  else
    echo "ok: $lang: $stats"
  fi
done
exit $status
