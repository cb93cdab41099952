#!/usr/bin/env python3
"""Generates the data modules of the standard library from stdlib/data/**.csv:

- stdlib/sources.pol (`std.sources`) from stdlib/data/sources.csv;
- stdlib/regimes.pol (`std.regimes`) from stdlib/data/regimes/*.csv;
- stdlib/japan.pol (`std.japan`) from stdlib/data/japan/*.csv;
- stdlib/eu.pol (`std.eu`) from stdlib/data/eu/*.csv, by scripts/gen_eu.py.

The CSV files are UTF-8, comma-separated, quoted as RFC 4180, with a header row; every date is
YYYY-MM-DD. The modules are written in the form `pol fmt` prints, rows in a fixed order, so the
output depends only on the CSV files and this script. With --check nothing is written, and the
exit status is 1 if a committed module differs from what would be written.

Python 3 standard library only. `std.countries` comes from scripts/gen_countries.py.
"""

import argparse
import csv
import datetime
import os
import sys

import gen_eu

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "stdlib", "data")

# The Arms Trade Treaty is not among them: its states parties are not yet sourced (stdlib/data/README.md).
REGIMES = ["EU", "NATO", "WASSENAAR", "MTCR", "NSG", "AUSTRALIA_GROUP"]
SCOPES = ["full", "partial"]
PLACEHOLDER = "placeholder"


class DataError(Exception):
    """A CSV row that breaks the format; the message names the file and line."""


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


def read(relative, columns):
    """The rows of a CSV file as dicts, each with the line it starts on under the key `_line`."""
    path = os.path.join(DATA, relative)
    with open(path, encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        header = next(reader, None)
        if header != columns:
            raise DataError("%s: the header must be %s, not %s" % (relative, ",".join(columns), header))
        rows = []
        for record in reader:
            if not record:
                continue
            if len(record) != len(columns):
                raise DataError("%s:%d: %d columns, expected %d" % (relative, reader.line_num, len(record), len(columns)))
            row = {name: value.strip() for name, value in zip(columns, record)}
            row["_line"] = "%s:%d" % (relative, reader.line_num)
            rows.append(row)
        return rows


def date(row, column, optional=False):
    """A date as Pol writes it, `none` when empty and optional."""
    text = row[column]
    if not text:
        if optional:
            return "none"
        raise DataError("%s: `%s` is empty" % (row["_line"], column))
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        raise DataError("%s: `%s` is not a date YYYY-MM-DD: %r" % (row["_line"], column, text))
    if len(text) != 10:
        raise DataError("%s: `%s` is not a date YYYY-MM-DD: %r" % (row["_line"], column, text))
    return text


def required(row, column):
    if not row[column]:
        raise DataError("%s: `%s` is empty" % (row["_line"], column))
    return row[column]


def set_constant(head, items):
    """`head = {items}` as `pol fmt` lays it out: on one line if it fits in 100 columns, else as
    many items to a line as fit, indented, each followed by a comma."""
    one_line = "%s = {%s}" % (head, ", ".join(items))
    if len(one_line) <= 100:
        return one_line + "\n"
    lines = [head + " = {"]
    line = ""
    for item in items:
        piece = item + ","
        if line and len(line) + 1 + len(piece) <= 100:
            line += " " + piece
        else:
            if line:
                lines.append(line)
            line = "  " + piece
    lines.append(line)
    lines.append("}")
    return "\n".join(lines) + "\n"


def source_ids(row):
    """The ids of the sources a row names: one, or several separated by `;`."""
    return [part.strip() for part in required(row, "source").split(";") if part.strip()]


def sources_set(row):
    """The sources of a row as a Pol set of `Source` keys."""
    return "{%s}" % ", ".join(quote(source) for source in source_ids(row))


def sources_used(*tables):
    return sorted({source for table in tables for row in table for source in source_ids(row)})


def placeholder_note(used):
    if PLACEHOLDER in used:
        return (
            "//\n"
            "// PLACEHOLDER DATA: rows citing the source `placeholder` were written by hand to test the\n"
            "// generator and the module, not researched; the researched data replaces them.\n"
        )
    return ""


def gen_sources(sources):
    out = [
        "// The public sources the data of `std.regimes` and `std.japan` rests on, each with the day it\n"
        "// was read. Every row of those tables names its source.\n"
        "// Generated by scripts/gen_stdlib.py from stdlib/data/sources.csv; do not edit by hand.\n",
        placeholder_note({row["id"] for row in sources}),
        'module "std.sources"\n',
        'source "stdlib/data/sources.csv"\n',
        "\n",
        "// A public source that rows of the standard library's tables rest on.\n",
        "record Source key id {\n",
        "  // The id the rows that rest on it name.\n",
        "  id: Text\n",
        "  title: Text\n",
        "  // Where it can be read.\n",
        "  url: Text\n",
        "  // The day the source was read.\n",
        "  checked: Date\n",
        "  // What to know when reading it, if anything.\n",
        "  note: Text?\n",
        "}\n",
        "\n",
        "data {\n",
    ]
    seen = set()
    for row in sorted(sources, key=lambda row: row["id"]):
        if row["id"] in seen:
            raise DataError("%s: source `%s` is listed twice" % (row["_line"], row["id"]))
        seen.add(row["id"])
        note = quote(row["note"]) if row["note"] else "none"
        out.append(
            "  Source { id: %s, title: %s, url: %s, checked: %s, note: %s }\n"
            % (
                quote(required(row, "id")),
                quote(required(row, "title")),
                quote(required(row, "url")),
                date(row, "checked"),
                note,
            )
        )
    out.append("}\n")
    return "".join(out), seen


def check_sources(known, *tables):
    for table in tables:
        for row in table:
            for source in source_ids(row):
                if source not in known:
                    raise DataError("%s: source `%s` is not in sources.csv" % (row["_line"], source))


def membership_id(row):
    return "%s/%s/%s" % (row["regime"], row["country"], row["from"])


def gen_regimes(regimes, memberships, embargoes):
    by_regime = {}
    for row in memberships:
        if row["regime"] not in REGIMES:
            raise DataError("%s: unknown regime `%s` (one of %s)" % (row["_line"], row["regime"], ", ".join(REGIMES)))
        date(row, "from")
        date(row, "until", optional=True)
        required(row, "country")
        by_regime.setdefault(row["regime"], []).append(row)
    listed = {row["id"] for row in regimes}
    for regime in REGIMES:
        if regime not in listed:
            raise DataError("regimes/regimes.csv: regime `%s` is missing" % regime)
    used = sources_used(regimes, memberships, embargoes)
    out = [
        "// Export-control regimes, treaties and unions, with the dates each member joined (and left),\n"
        "// and the arms embargoes of the UN Security Council with their resolutions and dates.\n"
        "// Generated by scripts/gen_stdlib.py from stdlib/data/regimes/*.csv; do not edit by hand.\n",
        placeholder_note(used),
        'module "std.regimes"\n',
        'source "the rows of std.sources: %s"\n' % ", ".join(used),
        "\n",
        "use std.countries\n",
        "use std.dates\n",
        "use std.sources\n",
        "\n",
        "// An export-control regime, treaty or union, with every membership it has had.\n",
        "record Regime key id {\n",
        "  // One of EU, NATO, WASSENAAR, MTCR, NSG and AUSTRALIA_GROUP.\n",
        "  id: Text\n",
        "  // Its name in English.\n",
        "  name: Text\n",
        "  // The sources of its list of members.\n",
        "  sources: Set<Source>\n",
        "  // The number of members the source states on `total_date`, if it states one.\n",
        "  stated_total: Int?\n",
        "  // The day on which the source states `stated_total`.\n",
        "  total_date: Date?\n",
        "  // Every membership it has had, current and ended.\n",
        "  members: Set<Membership>\n",
        "}\n",
        "\n",
        "// One country's membership of a regime, from the day it took effect to the last day it held.\n",
        "record Membership key id {\n",
        "  // `REGIME/COUNTRY/FROM`, such as `NATO/FI/2023-04-04`.\n",
        "  id: Text\n",
        "  regime: Regime\n",
        "  country: Country\n",
        "  // The day it took effect.\n",
        "  from: Date\n",
        "  // The last day it held (included); none while it lasts.\n",
        "  until: Date?\n",
        "  sources: Set<Source>\n",
        "}\n",
        "\n",
        "// How far a UN arms embargo reaches: all arms, or some (to non-state actors, say).\n",
        "enum EmbargoScope { full, partial }\n",
        "\n",
        "// An arms embargo of the UN Security Council on a country.\n",
        "record UnArmsEmbargo key id {\n",
        "  // `COUNTRY/RESOLUTION`, such as `KP/1718`.\n",
        "  id: Text\n",
        "  country: Country\n",
        "  // The number of the resolution that imposed it.\n",
        "  resolution: Text\n",
        "  // The day it took effect.\n",
        "  from: Date\n",
        "  // The last day it was in force (included); none while it lasts.\n",
        "  until: Date?\n",
        "  scope: EmbargoScope\n",
        "  sources: Set<Source>\n",
        "}\n",
        "\n",
    ]
    for regime in REGIMES:
        out.append("let %s = Regime[%s]\n" % (regime, quote(regime)))
    out.append("\n")
    embargo_ids = []
    for row in embargoes:
        embargo_ids.append("%s/%s" % (required(row, "country"), required(row, "resolution")))
    out.append("// Every UN arms embargo of the table.\n")
    out.append(
        set_constant(
            "let un_arms_embargoes: Set<UnArmsEmbargo>",
            ["UnArmsEmbargo[%s]" % quote(key) for key in sorted(embargo_ids)],
        )
    )
    out.append(
        "\n"
        "// Whether something that took effect on `from` and held to `until` (included; none: still\n"
        "// holds) holds on `day`.\n"
        "fn held_on(day: Date, from: Date, until: Date?) -> Bool =\n"
        "  from <= day and (until is none or day <= until)\n"
        "\n"
        "// Whether `country` is a member of `regime` on `day`.\n"
        "fn member_on(regime: Regime, country: Country, day: Date) -> Bool =\n"
        "  any m in regime.members: m.country == country and held_on(day, m.from, m.until)\n"
        "\n"
        "// Whether a UN arms embargo, full or partial, is in force on `country` on `day`.\n"
        "fn under_un_arms_embargo(country: Country, day: Date) -> Bool =\n"
        "  any e in un_arms_embargoes: e.country == country and held_on(day, e.from, e.until)\n"
        "\n"
        "// Whether a UN arms embargo on all arms is in force on `country` on `day`.\n"
        "fn under_full_un_arms_embargo(country: Country, day: Date) -> Bool =\n"
        "  any e in un_arms_embargoes:\n"
        "    e.country == country and e.scope == EmbargoScope.full and held_on(day, e.from, e.until)\n"
    )
    out.append("\ndata {\n")
    for row in sorted(regimes, key=lambda row: REGIMES.index(row["id"]) if row["id"] in REGIMES else -1):
        if row["id"] not in REGIMES:
            raise DataError("%s: unknown regime `%s`" % (row["_line"], row["id"]))
        total = row["stated_total"]
        if total and not total.isdigit():
            raise DataError("%s: `stated_total` is not a number: %r" % (row["_line"], total))
        if bool(total) != bool(row["total_date"]):
            raise DataError("%s: `stated_total` and `total_date` go together" % row["_line"])
        members = sorted(membership_id(member) for member in by_regime.get(row["id"], []))
        out.append(
            "  Regime { id: %s, name: %s, sources: %s, stated_total: %s, total_date: %s, members: {%s} }\n"
            % (
                quote(row["id"]),
                quote(required(row, "name")),
                sources_set(row),
                total or "none",
                date(row, "total_date", optional=True),
                ", ".join(quote(member) for member in members),
            )
        )
    for row in sorted(memberships, key=lambda row: (REGIMES.index(row["regime"]), row["country"], row["from"])):
        out.append(
            "  Membership { id: %s, regime: %s, country: %s, from: %s, until: %s, sources: %s }\n"
            % (
                quote(membership_id(row)),
                quote(row["regime"]),
                quote(row["country"]),
                date(row, "from"),
                date(row, "until", optional=True),
                sources_set(row),
            )
        )
    for row in sorted(embargoes, key=lambda row: (row["country"], row["resolution"])):
        if row["scope"] not in SCOPES:
            raise DataError("%s: scope must be `full` or `partial`, not %r" % (row["_line"], row["scope"]))
        out.append(
            "  UnArmsEmbargo { id: %s, country: %s, resolution: %s, from: %s, until: %s, scope: %s, sources: %s }\n"
            % (
                quote("%s/%s" % (row["country"], row["resolution"])),
                quote(row["country"]),
                quote(row["resolution"]),
                date(row, "from"),
                date(row, "until", optional=True),
                row["scope"],
                sources_set(row),
            )
        )
    out.append("}\n")
    return "".join(out)


def gen_japan(agreements, licensed):
    used = sources_used(agreements, licensed)
    out = [
        "// Japan's defence equipment and technology transfer agreements with their dates, the licensor\n"
        "// countries of equipment Japan makes under licence, and the classes of equipment of the 2014\n"
        "// and 2026 rules.\n"
        "// Generated by scripts/gen_stdlib.py from stdlib/data/japan/*.csv; do not edit by hand.\n",
        placeholder_note(used),
        'module "std.japan"\n',
        'source "the rows of std.sources: %s"\n' % ", ".join(used),
        "\n",
        "use std.countries\n",
        "use std.dates\n",
        "use std.sources\n",
        "\n",
        "// The five categories of equipment of the Implementation Guidelines of 1 April 2014 (until the\n"
        "// revision of 21 April 2026): rescue, transport, warning, surveillance and minesweeping.\n",
        "enum EquipmentCategory2014 { rescue, transport, warning, surveillance, minesweeping }\n",
        "\n",
        "// The two classes of equipment of the revision of 21 April 2026.\n",
        "enum EquipmentClass2026 { weapons, non_weapons }\n",
        "\n",
        "// A defence equipment and technology transfer agreement between Japan and another country.\n",
        "record TransferAgreement key id {\n",
        "  // `COUNTRY/SIGNED`, such as `AU/2014-07-08`.\n",
        "  id: Text\n",
        "  country: Country\n",
        "  // The day it was signed.\n",
        "  signed: Date\n",
        "  // The day it entered into force; none when no source gives that day (it may be in force:\n",
        "  // `agreement_in_force` is then false, `agreement_in_force_unsourced` true).\n",
        "  in_force: Date?\n",
        "  sources: Set<Source>\n",
        "}\n",
        "\n",
        "// Equipment Japan makes under licence, and the countries named as its licensor.\n",
        "record LicensedEquipment key equipment {\n",
        "  // The equipment's name, such as `Patriot PAC-3`.\n",
        "  equipment: Text\n",
        "  // The countries the sources name as its licensor: several when they name the partners\n",
        "  // of a joint development without saying which of them holds the licence.\n",
        "  licensors: Set<Country>\n",
        "  sources: Set<Source>\n",
        "}\n",
        "\n",
    ]
    agreement_ids = []
    for row in agreements:
        required(row, "country")
        date(row, "signed")
        date(row, "in_force", optional=True)
        agreement_ids.append("%s/%s" % (row["country"], row["signed"]))
    if len(set(agreement_ids)) != len(agreement_ids):
        raise DataError("japan/agreements.csv: an agreement is listed twice")
    out.append("// Every transfer agreement of the table.\n")
    out.append(
        set_constant(
            "let transfer_agreements: Set<TransferAgreement>",
            ["TransferAgreement[%s]" % quote(key) for key in sorted(agreement_ids)],
        )
    )
    # One row per equipment and licensor: several when the sources name the partners of a joint
    # development without saying which of them holds the licence.
    by_equipment = {}
    for row in licensed:
        required(row, "licensor")
        entry = by_equipment.setdefault(required(row, "equipment"), {"licensors": [], "sources": []})
        if row["licensor"] in entry["licensors"]:
            raise DataError("%s: %s is listed twice for `%s`" % (row["_line"], row["licensor"], row["equipment"]))
        entry["licensors"].append(row["licensor"])
        for source in source_ids(row):
            if source not in entry["sources"]:
                entry["sources"].append(source)
    names = sorted(by_equipment)
    out.append("\n// Every licence-built equipment of the table.\n")
    out.append(
        set_constant(
            "let licensed_equipment: Set<LicensedEquipment>",
            ["LicensedEquipment[%s]" % quote(name) for name in names],
        )
    )
    out.append(
        "\n"
        "// Whether a transfer agreement between Japan and `country` is known to be in force on `day`.\n"
        "fn agreement_in_force(country: Country, day: Date) -> Bool =\n"
        "  any a in transfer_agreements: a.country == country and since(day, a.in_force)\n"
        "\n"
        "// Whether Japan and `country` signed a transfer agreement by `day` whose entry into force no\n"
        "// source dates: a policy must not read it as not in force, but leave the case undecided.\n"
        "fn agreement_in_force_unsourced(country: Country, day: Date) -> Bool =\n"
        "  any a in transfer_agreements: a.country == country and a.signed <= day and a.in_force is none\n"
        "\n"
        "// Whether Japan and `country` have signed a transfer agreement by `day`, in force or not.\n"
        "fn agreement_signed(country: Country, day: Date) -> Bool =\n"
        "  any a in transfer_agreements: a.country == country and a.signed <= day\n"
        "\n"
        "// The countries the sources name as licensor of `equipment`.\n"
        "fn licensors_of(equipment: LicensedEquipment) -> Set<Country> = equipment.licensors\n"
        "\n"
        "// Whether `country` is named as a licensor of the equipment named `equipment`.\n"
        "fn is_licensor_of(country: Country, equipment: Text) -> Bool =\n"
        "  any e in licensed_equipment: e.equipment == equipment and country in e.licensors\n"
    )
    out.append("\ndata {\n")
    for row in sorted(agreements, key=lambda row: (row["country"], row["signed"])):
        out.append(
            "  TransferAgreement { id: %s, country: %s, signed: %s, in_force: %s, sources: %s }\n"
            % (
                quote("%s/%s" % (row["country"], row["signed"])),
                quote(row["country"]),
                date(row, "signed"),
                date(row, "in_force", optional=True),
                sources_set(row),
            )
        )
    for name in names:
        entry = by_equipment[name]
        out.append(
            "  LicensedEquipment { equipment: %s, licensors: {%s}, sources: {%s} }\n"
            % (
                quote(name),
                ", ".join(quote(country) for country in sorted(entry["licensors"])),
                ", ".join(quote(source) for source in entry["sources"]),
            )
        )
    out.append("}\n")
    return "".join(out)


def generate():
    """Every module as (path, text)."""
    sources = read("sources.csv", ["id", "title", "url", "checked", "note"])
    sources += read("eu/sources.csv", ["id", "title", "url", "checked", "note"])
    regimes = read("regimes/regimes.csv", ["id", "name", "source", "stated_total", "total_date"])
    memberships = read("regimes/memberships.csv", ["regime", "country", "from", "until", "source"])
    embargoes = read("regimes/un_arms_embargoes.csv", ["country", "resolution", "from", "until", "scope", "source"])
    agreements = read("japan/agreements.csv", ["country", "signed", "in_force", "source"])
    licensed = read("japan/licensed_equipment.csv", ["equipment", "licensor", "source"])
    sources_text, known = gen_sources(sources)
    check_sources(known, regimes, memberships, embargoes, agreements, licensed)
    eu_path, eu_text, eu_tables = gen_eu.generate(sys.modules[__name__])
    check_sources(known, *eu_tables)
    return [
        (os.path.join(ROOT, "stdlib", "sources.pol"), sources_text),
        (os.path.join(ROOT, "stdlib", "regimes.pol"), gen_regimes(regimes, memberships, embargoes)),
        (os.path.join(ROOT, "stdlib", "japan.pol"), gen_japan(agreements, licensed)),
        (eu_path, eu_text),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed modules")
    args = parser.parse_args()
    try:
        modules = generate()
    except DataError as error:
        sys.stderr.write("stdlib/data/%s\n" % error)
        sys.exit(2)
    differ = []
    for path, text in modules:
        if args.check:
            try:
                with open(path, encoding="utf-8") as file:
                    committed = file.read()
            except FileNotFoundError:
                committed = None
            if committed != text:
                differ.append(os.path.relpath(path, ROOT))
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as file:
                file.write(text)
    if differ:
        sys.stderr.write("%s differ from what scripts/gen_stdlib.py generates\n" % ", ".join(differ))
        sys.exit(1)


if __name__ == "__main__":
    main()
