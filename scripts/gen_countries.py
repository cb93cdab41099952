#!/usr/bin/env python3
"""Generates stdlib/countries.pol (the module `std.countries`) from Debian's iso-codes data.

Reads iso_3166-1.json (current countries and territories) and iso_3166-3.json (former ones)
from /usr/share/iso-codes/json, or from the folder given with --iso-codes, and writes the module
in the form `pol fmt` prints. With --check it writes nothing and exits with status 1 if the
committed module differs from what it would write.

Python 3 standard library only. The output depends only on the input files and this script.
"""

import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "stdlib", "countries.pol")
DEFAULT_ISO_CODES = "/usr/share/iso-codes/json"

# The release of iso-codes the committed module was generated from, and the day it was read.
# tests/stdlib_data.rs checks the module against whatever release is installed.
ISO_CODES_RELEASE = "Debian iso-codes 4.15.0"
CHECKED = "2026-12-06"

SIPRI = "SIPRI Arms Transfers Database, trade register of 12 February 2026"
UCDP = "UCDP/PRIO Armed Conflict Dataset 25.1"
ISO_OLD = "ISO 3166-1 short name before its change"
COMMON = "common English usage"

# Names real data uses that ISO 3166 does not list, each with the country it names (alpha-2, or
# alpha-4 for a former country) and where it comes from. The ISO short, official and common
# names, and alpha-3 codes, are names already and need no entry here.
ALIASES = [
    ("AE", "UAE", SIPRI),
    ("BA", "Bosnia-Herzegovina", SIPRI + "; " + UCDP),
    ("BN", "Brunei", SIPRI + "; " + UCDP),
    ("CD", "DR Congo", SIPRI),
    ("CD", "DR Congo (Zaire)", UCDP),
    ("CI", "Cote d'Ivoire", SIPRI),
    ("CI", "Ivory Coast", UCDP),
    ("CZ", "Czech Republic", ISO_OLD + " to Czechia in 2016"),
    ("GB", "UK", COMMON + "; exceptionally reserved in ISO 3166-1 for the United Kingdom"),
    ("KH", "Cambodia (Kampuchea)", UCDP),
    ("MG", "Madagascar (Malagasy)", UCDP),
    ("MK", "Macedonia", ISO_OLD + " to North Macedonia in 2019"),
    ("MM", "Burma", COMMON + "; " + UCDP + " writes \"Myanmar (Burma)\""),
    ("MM", "Myanmar (Burma)", UCDP),
    ("PS", "Palestine", SIPRI),
    ("RS", "Serbia (Yugoslavia)", UCDP),
    ("RU", "Russia", SIPRI),
    ("RU", "Russia (Soviet Union)", UCDP),
    ("SZ", "Swaziland", ISO_OLD + " to Eswatini in 2018"),
    ("SZ", "eSwatini", SIPRI),
    ("TR", "Turkey", ISO_OLD + " to Türkiye in 2022; " + UCDP),
    ("TR", "Turkiye", SIPRI),
    ("US", "United States of America", "ISO 3166-1 official name, also " + UCDP),
    ("VN", "Vietnam (North Vietnam)", UCDP),
    ("YE", "Yemen (North Yemen)", UCDP),
    ("ZW", "Zimbabwe (Rhodesia)", UCDP),
    ("CSHH", "Czechoslovakia", COMMON),
    ("DDDE", "East Germany", COMMON),
    ("HVBF", "Upper Volta", COMMON),
    ("RHZW", "Rhodesia", COMMON),
    ("SUHH", "Soviet Union", COMMON + "; " + UCDP),
    ("SUHH", "USSR", COMMON),
    ("YDYE", "South Yemen", UCDP),
    ("YUCS", "Yugoslavia", COMMON),
    ("ZRCD", "Zaire", COMMON),
]


def quote(text):
    """A Pol text literal."""
    out = []
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def iso_date(text):
    """A withdrawal date: (date, year); the date is None when the source gives only a year."""
    if len(text) == 10:
        return text, int(text[:4])
    if len(text) == 4 and text.isdigit():
        return None, int(text)
    raise SystemExit("unexpected withdrawal date in iso_3166-3.json: %r" % text)


def load(folder):
    with open(os.path.join(folder, "iso_3166-1.json"), encoding="utf-8") as file:
        current = json.load(file)["3166-1"]
    with open(os.path.join(folder, "iso_3166-3.json"), encoding="utf-8") as file:
        former = json.load(file)["3166-3"]
    return current, former


def rows(current, former):
    """One dict per country, current ones by alpha-2 then former ones by alpha-4."""
    result = []
    for entry in sorted(current, key=lambda entry: entry["alpha_2"]):
        result.append(
            {
                "code": entry["alpha_2"],
                "alpha2": entry["alpha_2"],
                "alpha3": entry["alpha_3"],
                "numeric": int(entry["numeric"]),
                "name": entry["name"],
                "official_name": entry.get("official_name"),
                "common_name": entry.get("common_name"),
                "former": False,
                "withdrawn": None,
                "withdrawn_year": None,
                # Names from ISO itself, in this order.
                "iso_names": [entry["alpha_3"], entry["name"], entry.get("official_name"), entry.get("common_name")],
            }
        )
    for entry in sorted(former, key=lambda entry: entry["alpha_4"]):
        date, year = iso_date(entry["withdrawal_date"])
        result.append(
            {
                "code": entry["alpha_4"],
                "alpha2": entry["alpha_2"],
                "alpha3": entry["alpha_3"],
                "numeric": int(entry["numeric"]) if "numeric" in entry else None,
                "name": entry["name"],
                "official_name": entry.get("official_name"),
                "common_name": entry.get("common_name"),
                "former": True,
                "withdrawn": date,
                "withdrawn_year": year,
                "iso_names": [
                    entry["alpha_2"],
                    entry["alpha_3"],
                    entry["name"],
                    entry.get("official_name"),
                    entry.get("common_name"),
                ],
            }
        )
    return result


def assign_names(table):
    """Gives each row its names. A name goes to the rows that claim it at the most direct level
    (0: a current country's ISO names; 1: a former country's ISO names; 2: the aliases above);
    a name claimed by two rows at that level, or that is another row's key, names no row."""
    keys = {row["code"] for row in table}
    by_code = {row["code"]: row for row in table}
    claims = {}
    for row in table:
        level = 1 if row["former"] else 0
        for name in row["iso_names"]:
            if name is not None and name != row["code"]:
                claims.setdefault(name, []).append((level, row["code"]))
    for code, alias, _ in ALIASES:
        if code not in by_code:
            raise SystemExit("alias %r names %s, which is not in ISO 3166-1 or 3166-3" % (alias, code))
        claims.setdefault(alias, []).append((2, code))
    for row in table:
        row["names"] = []
    dropped = []
    for name in sorted(claims):
        claimants = sorted(set(claims[name]))
        best = claimants[0][0]
        winners = sorted({code for level, code in claimants if level == best})
        if name in keys or len(winners) > 1:
            if any(level == 2 for level, _ in claimants):
                raise SystemExit("alias %r is ambiguous or a key: %s" % (name, claimants))
            others = sorted({code for _, code in claimants if code != name})
            dropped.append((name, name in keys, others))
            continue
        by_code[winners[0]]["names"].append(name)
    return dropped


def fact(row):
    fields = [
        "code: " + quote(row["code"]),
        "alpha2: " + quote(row["alpha2"]),
        "alpha3: " + quote(row["alpha3"]),
        "numeric: " + ("none" if row["numeric"] is None else str(row["numeric"])),
        "name: " + quote(row["name"]),
        "official_name: " + ("none" if row["official_name"] is None else quote(row["official_name"])),
        "common_name: " + ("none" if row["common_name"] is None else quote(row["common_name"])),
        "former: " + ("true" if row["former"] else "false"),
        "withdrawn: " + (row["withdrawn"] or "none"),
        "withdrawn_year: " + ("none" if row["withdrawn_year"] is None else str(row["withdrawn_year"])),
        "names: {" + ", ".join(quote(name) for name in sorted(row["names"])) + "}",
    ]
    return "Country { " + ", ".join(fields) + " }"


HEADER = """\
// Every country and territory of ISO 3166-1, with its codes and English names, and the former
// countries of ISO 3166-3, so that a policy and its facts can name a country by code or name.
// Generated by scripts/gen_countries.py from {release}; do not edit by hand.
module "std.countries"
source "ISO 3166-1 and ISO 3166-3, from {release} (https://salsa.debian.org/iso-codes-team/iso-codes), checked {checked}"

// A country or territory: one of ISO 3166-1, or a former one of ISO 3166-3.
// Facts and key references may name it by its code or by any of its `names`.
record Country key code alias names {{
  // Its key: the ISO 3166-1 alpha-2 code, or for a former country its ISO 3166-3 alpha-4 code.
  code: Text
  // The ISO 3166-1 alpha-2 code (a former country's, which may since have been given to another).
  alpha2: Text
  // The ISO 3166-1 alpha-3 code.
  alpha3: Text
  // The ISO 3166-1 numeric code; none for the few former countries that had none.
  numeric: Int?
  // The English short name ISO 3166 gives.
  name: Text
  // The English official name ISO 3166 gives, if any.
  official_name: Text?
  // The common English name iso-codes gives where the short name is unusual ("South Korea").
  common_name: Text?
  // Whether ISO 3166-3 lists it as formerly used: the country no longer exists under this code.
  former: Bool
  // The day ISO withdrew its code; none for current countries, and for former ones whose
  // withdrawal the source dates by year only.
  withdrawn: Date?
  // The year ISO withdrew its code; none for current countries.
  withdrawn_year: Int?
  // Every other name that names it: alpha-3 code, ISO names, and the variants real data uses.
  names: Set<Text>
}}

// Whether `country` existed under its code on `day`: a current country always, a former one
// before the year its code was withdrawn (or the day, when known).
fn exists_on(country: Country, day: Date) -> Bool =
  not country.former
    or (country.withdrawn is some and day < country.withdrawn)
    or (
      country.withdrawn is none
      and country.withdrawn_year is some
      and year(day) < country.withdrawn_year
    )
"""


def render(table, dropped):
    out = [HEADER.format(release=ISO_CODES_RELEASE, checked=CHECKED)]
    out.append("\ndata {\n")
    aliases = {}
    for code, alias, source in ALIASES:
        aliases.setdefault(code, []).append((alias, source))
    for row in table:
        for alias, source in aliases.get(row["code"], []):
            out.append("  // %s: %s\n" % (quote(alias), source))
        out.append("  " + fact(row) + "\n")
    out.append("}\n")
    keys = [(name, others) for name, is_key, others in dropped if is_key]
    ambiguous = [(name, others) for name, is_key, others in dropped if not is_key]
    if keys:
        out.append(
            "\n// Codes that are one row's key and another's alpha-2 code name the row they are the key of;\n"
            "// the other row is named by its own key:\n"
        )
        for name, others in keys:
            out.append("// %s: not %s\n" % (quote(name), ", ".join(quote(code) for code in others)))
    if ambiguous:
        out.append(
            "\n// Names ISO gives to more than one row name no row (`pol check` lists the rows they could\n"
            "// mean); name one of them by its key:\n"
        )
        for name, others in ambiguous:
            out.append("// %s: %s\n" % (quote(name), " or ".join(quote(code) for code in others)))
    return "".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iso-codes", default=DEFAULT_ISO_CODES, help="folder holding iso_3166-1.json")
    parser.add_argument("--check", action="store_true", help="compare with the committed module")
    parser.add_argument("--output", default=OUTPUT, help="where to write the module")
    args = parser.parse_args()
    current, former = load(args.iso_codes)
    table = rows(current, former)
    dropped = assign_names(table)
    text = render(table, dropped)
    if args.check:
        with open(args.output, encoding="utf-8") as file:
            committed = file.read()
        if committed != text:
            sys.stderr.write("%s differs from what scripts/gen_countries.py generates\n" % args.output)
            sys.exit(1)
        return
    with open(args.output, "w", encoding="utf-8", newline="\n") as file:
        file.write(text)


if __name__ == "__main__":
    main()
