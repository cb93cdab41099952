#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds from the repository's own policies and facts.
# The corpus folders are not kept in git; this script makes them again, the same every time.
# Usage: bash fuzz/seed.sh [DIR]   (from anywhere; DIR defaults to fuzz/corpus; seeds already
# there are kept, new ones added)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${1:-$root/fuzz/corpus}"
mkdir -p "$corpus"
corpus="$(cd "$corpus" && pwd)"
cd "$root"
mkdir -p "$corpus"/{parse,check,run,facts,fmt}

# A seed's name is a short name plus the hash of its bytes, so reruns do not duplicate seeds.
put() { # put TARGET NAME < bytes
    local tmp
    tmp="$(mktemp)"
    cat > "$tmp"
    local sum
    sum="$(sha1sum "$tmp" | cut -c1-12)"
    mv "$tmp" "$corpus/$1/$2-$sum"
}

policies=()
while IFS= read -r file; do policies+=("$file"); done < <(
    { find examples stdlib tests/golden -name '*.pol'; echo bench/reference.pol; } | LC_ALL=C sort
)

# The Japanese example as one text: the schema's items in place of the `use` that imports it.
japan() {
    sed '/^module "/d; /^source "/d' examples/japan/schema.pol > "$1.schema"
    sed -e "/^use \"schema.pol\"/r $1.schema" -e '/^use "schema.pol"/d' examples/japan/three_principles.pol
    rm -f "$1.schema"
}
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# parse, check, fmt: every policy text as it is, and the example joined into one text.
for file in "${policies[@]}"; do
    name="$(echo "$file" | tr '/.' '__')"
    for target in parse check fmt; do put "$target" "$name" < "$file"; done
done
japan "$scratch/japan" > "$scratch/japan.pol"
for target in parse check fmt; do put "$target" japan_joined < "$scratch/japan.pol"; done

# run: a policy, a NUL byte, then its JSON facts.
# The facts are the JSON files named in a golden case's `// pol: run` line, or the same-named JSON file.
for file in "${policies[@]}"; do
    dir="$(dirname "$file")"
    base="${file%.pol}"
    facts=()
    [[ -f "$base.json" ]] && facts+=("$base.json")
    line="$(head -n 5 "$file" | grep -m1 '^// pol: run' || true)"
    for word in $line; do
        word="${word#*=}"
        [[ "$word" == *.json && -f "$dir/$word" ]] && facts+=("$dir/$word")
    done
    name="$(echo "$file" | tr '/.' '__')"
    { cat "$file"; printf '\0'; echo '[]'; } | put run "$name"
    for json in ${facts[@]+"${facts[@]}"}; do
        { cat "$file"; printf '\0'; cat "$json"; } | put run "${name}_$(basename "$json" .json)"
    done
done
{ cat "$scratch/japan.pol"; printf '\0'; cat examples/japan/cases.json; } | put run japan_cases
# The reference workload with its first few records of each type.
{
    cat bench/reference.pol
    printf '\0'
    cat <<'JSON'
{"Country": [{"code": "C000", "in_conflict": false, "security_partner": true, "embargo_since": null, "agreement_since": "2015-01-01"},
             {"code": "C001", "in_conflict": true, "security_partner": false, "embargo_since": "2020-03-01", "agreement_since": null}],
 "Item": [{"id": "I1", "lethal": true, "category": "aircraft", "licensed_from": "C001", "joint_partners": ["C000"], "is_component": false}],
 "Transfer": [{"item": "I1", "exporter": "C000", "destination": "C001", "onward": null, "consent": true, "date": "2024-05-01"}]}
JSON
} | put run reference_small

# facts: a format byte (0 JSON, 1 JSON Lines of Transfer, 2 YAML, 3/4/5 CSV of Transfer/Item/Country,
# 6 JSON Lines naming their type, 7 YAML of Item records), then facts for the target's fixed schema.
printf '\0' | cat - <(cat <<'JSON'
{"Country": [{"code": "US", "embargo": false, "since": "2014-04-01"}, {"code": "KP", "embargo": true, "since": null}],
 "Item": [{"id": "radar", "kind": "part", "parts": 3, "origin": "US", "partners": ["US"], "tags": ["open"]}],
 "Transfer": [{"id": "t1", "item": "radar", "destination": "US", "date": "2024-02-29", "value": 12},
              {"id": "t2", "item": "radar", "destination": "KP", "date": "2023-12-22"}]}
JSON
) | put facts json
printf '\0[{"id": "t1", "item": "radar", "destination": "US", "date": "2024-01-01"}]' | put facts json_array
printf '\1{"id": "t1", "item": "radar", "destination": "US", "date": "2024-01-01", "value": 1}\n{"id": "t2", "item": "x", "destination": "GB", "date": "2024-01-02"}\n' | put facts jsonl
printf '\6{"Country": {"code": "US", "embargo": false}}\n{"Transfer": {"id": "t", "item": "i", "destination": "US", "date": "2024-01-01"}}\n' | put facts jsonl_typed
printf '\2%s' "$(cat <<'YAML'
Country:
  - code: US
    embargo: false
    since: 2014-04-01
  - {code: KP, embargo: true, since: null}
Item:
  - id: radar
    kind: part
    parts: 3
    origin: US
    partners: [US]
    tags: [open, "x"]
Transfer:
  - {id: t1, item: radar, destination: US, date: 2024-02-29}
  - {id: t2, item: radar, destination: KP, date: 2023-12-22, value: 5}
YAML
)" | put facts yaml
printf '\7- {id: radar, kind: service, parts: 0, partners: [], tags: []}\n' | put facts yaml_items
printf '\3id,item,destination,date,value\nt1,radar,US,2024-01-01,3\nt2,radar,"KP",2024-02-30,\n' | put facts csv_transfer
printf '\4id,kind,parts,origin,partners,tags\nradar,part,3,US,US;GB,"open;x"\n' | put facts csv_item
printf '\5code,embargo,since\nUS,false,2014-04-01\nKP,true,\n' | put facts csv_country
# Hostile facts: NUL and control bytes in YAML and CSV (a NUL once ended YAML reading early,
# silently), keys with control characters, a second YAML document, a key past YAML's 1,024-character
# limit, and lines that are not records.
printf '\2Country:\n  - {code: US, embargo: false}\nTransfer:\n  - {id: ok1, item: radar, destination: US, date: 2024-01-01}\n\0\n  - {id: bad1, item: radar, destination: KP, date: 2024-01-01}\n' | put facts yaml_nul
printf '\2Country:\n  - {code: "U\x1b[2KS", embargo: false}\n  - {code: "K\\x00P", embargo: true}\n' | put facts yaml_control
printf '\2Country:\n  - {code: US, embargo: false}\n...\nCountry:\n  - {code: KP, embargo: true}\n---\n[]\n' | put facts yaml_documents
printf '\2Country:\n  - code: US\n    %s: 1\n' "$(head -c 1100 /dev/zero | tr '\0' k)" | put facts yaml_long_key
printf '\5code,embargo,since\nUS,false,\n\0KP,true,\n' | put facts csv_nul
printf '\5code,embargo,since\n"U\x01S",false,\nK\x7fP,true,\nG\xc2\x85B,false,\n' | put facts csv_control
printf '\5code\x1b,embargo\r\nUS,false\rKP,true\r\n' | put facts csv_control_header
printf '\0{"Country": [{"code": "U\\u001b[2KS", "embargo": false}, {"code": "K\\u0000P", "embargo": true}],\n "Transfer": [{"id": "t\\r1\\u202e", "item": "x", "destination": "U\\u001b[2KS", "date": "2024-01-01"}]}' | put facts json_control_keys
printf '\1{"id": "t1", "item": "radar", "destination": "US", "date": "2024-01-01"}\n[1, 2]\n"text"\n-1\n\0\n' | put facts jsonl_not_records

find tests/golden examples \( -name '*.json' -o -name '*.jsonl' -o -name '*.yaml' -o -name '*.yml' -o -name '*.csv' \) |
    LC_ALL=C sort | while IFS= read -r file; do
    case "$file" in
        *.json) byte='\0' ;;
        *.jsonl) byte='\6' ;;
        *.yaml | *.yml) byte='\2' ;;
        *.csv) byte='\3' ;;
    esac
    { printf "$byte"; cat "$file"; } | put facts "$(echo "$file" | tr '/.' '__')"
done

# Hostile policies: a lone carriage return as a line end, Unicode line and paragraph separators,
# bidirectional controls and a byte order mark inside the text, and a key with a control character.
hostile_policy() { # hostile_policy TEXT-AFTER-THE-HEADER
    printf 'policy "hostile"\n\nrecord Country key code {\n  code: Text\n  hot: Bool\n}\n\ndecide c: Country\ndefault permit because "ok"\n%b' "$1"
}
hostile_policy 'rule hot: deny {\r  when c.hot\r}\r' > "$scratch/lone_cr.pol"
hostile_policy 'rule hot: deny {\xe2\x80\xa8  when c.hot\xe2\x80\xa9}\n' > "$scratch/separators.pol"
hostile_policy 'rule hot: deny {\n  when c.hot and c.code != "US\xe2\x80\xae\xe2\x81\xa6"  // \xe2\x80\xae}\n}\n' > "$scratch/bidi.pol"
hostile_policy 'rule\xef\xbb\xbf hot: deny {\n  when c.hot\n}\n' > "$scratch/inner_bom.pol"
hostile_policy 'let home = Country["U\x1bS"]\nrule hot: deny {\n  when c.hot and c != home\n}\n' > "$scratch/control_key.pol"
for name in lone_cr separators bidi inner_bom control_key; do
    for target in parse check fmt; do put "$target" "hostile_$name" < "$scratch/$name.pol"; done
    { cat "$scratch/$name.pol"; printf '\0'; printf '{"Country": [{"code": "US", "hot": false}, {"code": "U\\u001bS", "hot": true}]}'; } |
        put run "hostile_$name"
done

for target in parse check run facts fmt; do
    echo "$target: $(find "$corpus/$target" -type f | wc -l) seeds"
done
