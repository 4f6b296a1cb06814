#!/usr/bin/env bash
# The app runs translated: German and French from the build tree's catalogues.
source "$(dirname "$0")/lib.sh"
for pair in de:Wahrscheinlichkeiten fr:Probabilités C:Probabilities; do
  lang=${pair%%:*} word=${pair#*:}
  LANGUAGE=$lang start_app
  grep -q "^READY.* i18n=$word\$" "$APP_LOG" || fail "LANGUAGE=$lang: expected $word: $(grep '^READY' "$APP_LOG")"
  [[ $lang == de ]] && screenshot "$OUT/german.png"
  quit_app
  echo "LANGUAGE=$lang: $word"
done
echo "PASS"
