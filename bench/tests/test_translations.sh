#!/usr/bin/env bash
# Every message marked for translation in bench/ (_("...") and N_("...")) has a Spanish
# entry in po/es.po that is neither missing, empty nor fuzzy, and es.po compiles.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
xgettext --language=C --from-code=UTF-8 --keyword=_ --keyword=N_ --add-comments=TRANSLATORS \
    --package-name=pvbench -o "$tmp/pvbench.pot" $(ls bench/*/*.c bench/main.c | grep -v ^bench/tests/)
n=$(grep -c '^msgid "' "$tmp/pvbench.pot" 2>/dev/null || echo 0)
if [[ -s $tmp/pvbench.pot ]]; then
    # untranslated and fuzzy entries count as missing (msgcmp's default)
    msgcmp po/es.po "$tmp/pvbench.pot"
fi
msgfmt --check --statistics -o "$tmp/es.mo" po/es.po
echo "ok: $((n > 0 ? n - 1 : 0)) messages, every one translated in po/es.po"
