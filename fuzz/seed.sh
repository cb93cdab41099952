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

for target in parse check run facts fmt; do
    echo "$target: $(find "$corpus/$target" -type f | wc -l) seeds"
done
