"""Generates stdlib/eu.pol (`std.eu`) from stdlib/data/eu/*.csv; called by scripts/gen_stdlib.py,
whose helpers (reading CSV files, quoting texts, checking dates) it uses.

- entries.csv: the entries of Annex I to Regulation (EU) 2021/821 that the module ships. The
  parents of each entry are derived from its code by the entry grammar, so the tree is rebuilt
  from the codes alone: `5A002.a.1` is within `5A002.a`, within `5A002`, within `Category 5 Part 2`,
  within `Category 5`. A parent the file does not list is added with an empty title.
- ugeas.csv, ugea_destinations.csv, ugea_items.csv: the Union general export authorisations of
  Annex II, their destinations (the ones each is valid for, or for EU008 the ones it excludes) and
  the entries they cover, cover only as their text qualifies (`covers_qualified`), or exclude.
- section_i.csv: the entries of Section I of Annex II, which the UGEAs whose `section_i` is true
  exclude, together with every item of Annex IV.

The rows were read from the consolidated text of Regulation (EU) 2021/821 (see sources.csv);
scripts/read_eu_annex.py reads that text again and reports where the CSV files differ from it.

Python 3 standard library only.
"""

import re

# The code of an entry of Annex I: category, product group, three digits, then sub-entries
# separated by dots (letters or numbers), such as `5A002.a.1` or `1C350.43`.
ENTRY = re.compile(r"^([0-9])([A-E])([0-9]{3})((?:\.[a-z]{1,2}|\.[0-9]{1,3})*)$")
CATEGORY = re.compile(r"^Category ([0-9])$")
PART = re.compile(r"^Category 5 Part ([12])$")
CATEGORY_TITLES = {
    "0": "Nuclear materials, facilities and equipment",
    "1": "Special materials and related equipment",
    "2": "Materials processing",
    "3": "Electronics",
    "4": "Computers",
    "5": "Telecommunications and information security",
    "6": "Sensors and lasers",
    "7": "Navigation and avionics",
    "8": "Marine",
    "9": "Aerospace and propulsion",
}
PART_TITLES = {"1": "Telecommunications", "2": "Information security"}
SCOPES = ["covers", "covers_qualified", "excludes"]
DESTINATION_SCOPES = ["listed", "excluded"]
GROUPS = ["A", "B", "C", "D", "E"]
UGEAS = ["EU00%d" % n for n in range(1, 9)]


def parent(code):
    """The entry `code` is directly within, none for a category; `None` if `code` is not an entry."""
    if CATEGORY.match(code):
        return ""
    if PART.match(code):
        return "Category 5"
    match = ENTRY.match(code)
    if not match:
        return None
    if match.group(4):
        return code.rsplit(".", 1)[0]
    category, number = match.group(1), match.group(3)
    if category == "5":
        # Category 5 Part 2 (information security) holds the entries numbered 002 to 004 of
        # each product group; Part 1 (telecommunications) holds the others.
        return "Category 5 Part %s" % ("2" if number in ("002", "003", "004") else "1")
    return "Category %s" % category


def group_of(code):
    """The product group of an entry (`A` systems to `E` technology); empty for a category or part."""
    match = ENTRY.match(code)
    return match.group(2) if match else ""


def title_of(code):
    match = CATEGORY.match(code)
    if match:
        return CATEGORY_TITLES[match.group(1)]
    match = PART.match(code)
    if match:
        return PART_TITLES[match.group(1)]
    return ""


def generate(gen):
    """`std.eu` as (path, text); `gen` is the module scripts/gen_stdlib.py, for its helpers."""
    import os

    entries = gen.read("eu/entries.csv", ["code", "title", "source"])
    ugeas = gen.read(
        "eu/ugeas.csv", ["id", "section", "title", "destinations_scope", "groups", "section_i", "source"]
    )
    destinations = gen.read("eu/ugea_destinations.csv", ["ugea", "country", "source"])
    items = gen.read("eu/ugea_items.csv", ["ugea", "entry", "scope", "note", "source"])
    section_i = gen.read("eu/section_i.csv", ["entry", "source"])
    return (
        os.path.join(gen.ROOT, "stdlib", "eu.pol"),
        gen_eu(gen, entries, ugeas, destinations, items, section_i),
        [entries, ugeas, destinations, items, section_i],
    )


def tree(gen, entries, named):
    """Every entry by code, with its title, source and parent, parents added as needed. `named`
    are rows of other files that name an entry in their column `entry`; an entry they name that
    entries.csv does not list takes the source of the row that named it, and a parent added takes
    the source of its child."""
    nodes = {}
    for row in entries:
        code = gen.required(row, "code")
        if parent(code) is None:
            raise gen.DataError("%s: `%s` is not an entry of Annex I (such as 5A002.a.1)" % (row["_line"], code))
        if code in nodes:
            raise gen.DataError("%s: entry `%s` is listed twice" % (row["_line"], code))
        nodes[code] = {"title": row["title"] or title_of(code), "source": gen.required(row, "source")}
    for row in named:
        if parent(row["entry"]) is None:
            raise gen.DataError("%s: `%s` is not an entry of Annex I" % (row["_line"], row["entry"]))
    pending = [(code, node["source"]) for code, node in nodes.items()]
    pending += [(row["entry"], gen.required(row, "source")) for row in named]
    while pending:
        code, source = pending.pop()
        if code not in nodes:
            nodes[code] = {"title": title_of(code), "source": source}
        up = parent(code)
        if up and up not in nodes:
            pending.append((up, nodes[code]["source"]))
    return nodes


def ancestors(code):
    out = []
    up = parent(code)
    while up:
        out.append(up)
        up = parent(up)
    return out


def boolean(gen, row, column):
    if row[column] not in ("true", "false"):
        raise gen.DataError("%s: `%s` must be true or false, not %r" % (row["_line"], column, row[column]))
    return row[column]


def words(gen, row, column, allowed):
    values = row[column].split()
    for value in values:
        if value not in allowed:
            raise gen.DataError("%s: `%s` holds %r, not one of %s" % (row["_line"], column, value, ", ".join(allowed)))
    return values


def gen_eu(gen, entries, ugeas, destinations, items, section_i):
    nodes = tree(gen, entries, items + section_i)
    used = gen.sources_used(entries, ugeas, destinations, items, section_i)
    listed = [row["id"] for row in ugeas]
    if sorted(listed) != UGEAS:
        raise gen.DataError("eu/ugeas.csv: the UGEAs must be %s, once each, not %s" % (", ".join(UGEAS), listed))
    for row in destinations + items:
        if row["ugea"] not in UGEAS:
            raise gen.DataError("%s: unknown UGEA `%s`" % (row["_line"], row["ugea"]))
    for row in items:
        if row["scope"] not in SCOPES:
            raise gen.DataError("%s: scope must be one of %s, not %r" % (row["_line"], ", ".join(SCOPES), row["scope"]))
        if row["scope"] == "covers_qualified" and not row["note"]:
            raise gen.DataError("%s: a qualified entry needs a `note` saying what the text qualifies" % row["_line"])
    for row in ugeas:
        if row["destinations_scope"] not in DESTINATION_SCOPES:
            raise gen.DataError("%s: `destinations_scope` must be `listed` or `excluded`" % row["_line"])
        words(gen, row, "groups", GROUPS)
    out = [
        "// Regulation (EU) 2021/821 (dual-use items): the entries of Annex I the standard library\n"
        "// ships, as a tree; the Union general export authorisations of Annex II with their\n"
        "// destinations and the entries they cover and exclude (Section I among them); the member\n"
        "// states of the Union.\n"
        "// Generated by scripts/gen_stdlib.py (scripts/gen_eu.py) from stdlib/data/eu/*.csv; do not\n"
        "// edit by hand.\n",
        gen.placeholder_note(used),
        'module "std.eu"\n',
        'source "the rows of std.sources: %s"\n' % ", ".join(used),
        "\n",
        "use std.countries\n",
        "use std.regimes\n",
        "use std.sources\n",
        "\n",
        "// An entry of Annex I (`5A002.a.1`), or a category (`Category 5`) or part (`Category 5 Part 2`)\n"
        "// that holds entries.\n",
        "record ControlEntry key code {\n",
        "  // The entry's code as Annex I writes it, such as `5A002.a.1`, `Category 5 Part 2`.\n",
        "  code: Text\n",
        "  // What it controls, in short; empty for an entry shipped without its title.\n",
        "  title: Text\n",
        "  // Its product group: `A` systems, equipment and components, `B` test, inspection and\n",
        "  // production equipment, `C` materials, `D` software, `E` technology; empty for a category or\n",
        "  // part.\n",
        "  group: Text\n",
        "  // The entry it is directly within; none for a category.\n",
        "  parent: ControlEntry?\n",
        "  // Every entry it is within: its parent, its parent's parent, up to its category.\n",
        "  ancestors: Set<ControlEntry>\n",
        "  source: Source\n",
        "}\n",
        "\n",
        "// A Union general export authorisation of Annex II (EU001 to EU008).\n",
        "record Ugea key id {\n",
        "  // `EU001` to `EU008`.\n",
        "  id: Text\n",
        "  // Its section of Annex II, `A` to `H`.\n",
        "  section: Text\n",
        "  title: Text\n",
        "  // The destinations its Part 2 names: those it is valid for, or, if `destinations_excluded`,\n",
        "  // those it excludes (EU008, Part 2(b)).\n",
        "  destinations: Set<UgeaDestination>\n",
        "  destinations_excluded: Bool\n",
        "  // The product groups of Annex I it can cover (EU003 and EU004 exclude software and\n",
        "  // technology, EU007 covers nothing else).\n",
        "  groups: Set<Text>\n",
        "  // The entries it covers, each with every entry within it.\n",
        "  covers: Set<ControlEntry>\n",
        "  // The entries it covers only in part, as its text qualifies them; an item within one of\n",
        "  // these (and within none of `covers`) needs the screener to confirm the qualification.\n",
        "  covers_qualified: Set<ControlEntry>\n",
        "  // The entries it excludes, each with every entry within it (with Section I of Annex II\n",
        "  // for the UGEAs that exclude it).\n",
        "  excludes: Set<ControlEntry>\n",
        "  // Whether it excludes the items of Annex IV (the first indent of Section I).\n",
        "  excludes_annex_iv: Bool\n",
        "  source: Source\n",
        "}\n",
        "\n",
        "// A destination a Union general export authorisation lists.\n",
        "record UgeaDestination key id {\n",
        "  // `UGEA/COUNTRY`, such as `EU001/JP`.\n",
        "  id: Text\n",
        "  ugea: Ugea\n",
        "  country: Country\n",
        "  source: Source\n",
        "}\n",
        "\n",
    ]
    for ugea in UGEAS:
        out.append("let %s = Ugea[%s]\n" % (ugea, gen.quote(ugea)))
    out.append(
        "\n"
        "// Whether `entry` is `parent` or within it: `5A002.a.1` is within `5A002.a`, `5A002` and\n"
        "// `Category 5 Part 2`; `5A002` is not within `5A001`.\n"
        "fn within(entry: ControlEntry, parent: ControlEntry) -> Bool =\n"
        "  entry == parent or parent in entry.ancestors\n"
        "\n"
        "// Whether `entry` is within an entry `ugea` covers, in full or as qualified.\n"
        "fn within_covered(ugea: Ugea, entry: ControlEntry) -> Bool =\n"
        "  (any c in ugea.covers: within(entry, c)) or any q in ugea.covers_qualified: within(entry, q)\n"
        "\n"
        "// Whether `entry` is in a product group `ugea` can cover, within an entry it covers (in full\n"
        "// or as qualified) and within none it excludes.\n"
        "fn ugea_covers(ugea: Ugea, entry: ControlEntry) -> Bool =\n"
        "  entry.group in ugea.groups\n"
        "    and within_covered(ugea, entry)\n"
        "    and not any x in ugea.excludes: within(entry, x)\n"
        "\n"
        "// Whether `ugea` covers `entry` only as its text qualifies it: within none of the entries it\n"
        "// covers in full.\n"
        "fn ugea_qualified(ugea: Ugea, entry: ControlEntry) -> Bool =\n"
        "  not any c in ugea.covers: within(entry, c)\n"
        "\n"
        "// Whether `country` is among the destinations `ugea` names (valid or excluded).\n"
        "fn ugea_lists(ugea: Ugea, country: Country) -> Bool =\n"
        "  any d in ugea.destinations: d.country == country\n"
        "\n"
        "// Whether `ugea` is valid for `country` by its list: listed, or for EU008 not excluded by\n"
        "// name (EU008's other exclusions, Part 2(a) and (c), are for the policy to check).\n"
        "fn ugea_valid_for(ugea: Ugea, country: Country) -> Bool =\n"
        "  if ugea.destinations_excluded then not ugea_lists(ugea, country) else ugea_lists(ugea, country)\n"
        "\n"
        "// Whether `country` is a member state of the European Union on `day` (`std.regimes`).\n"
        "fn member_state_on(country: Country, day: Date) -> Bool = member_on(EU, country, day)\n"
    )
    out.append("\ndata {\n")
    for code in sorted(nodes):
        node = nodes[code]
        up = parent(code)
        out.append(
            "  ControlEntry { code: %s, title: %s, group: %s, parent: %s, ancestors: {%s}, source: %s }\n"
            % (
                gen.quote(code),
                gen.quote(node["title"]),
                gen.quote(group_of(code)),
                gen.quote(up) if up else "none",
                ", ".join(gen.quote(a) for a in sorted(ancestors(code))),
                gen.quote(node["source"]),
            )
        )
    seen = set()
    for row in destinations:
        key = "%s/%s" % (row["ugea"], gen.required(row, "country"))
        if key in seen:
            raise gen.DataError("%s: `%s` is listed twice" % (row["_line"], key))
        seen.add(key)
    for row in sorted(ugeas, key=lambda row: row["id"]):
        ugea = row["id"]
        listed = sorted("%s/%s" % (ugea, d["country"]) for d in destinations if d["ugea"] == ugea)
        scoped = {scope: {i["entry"] for i in items if i["ugea"] == ugea and i["scope"] == scope} for scope in SCOPES}
        with_section_i = boolean(gen, row, "section_i") == "true"
        if with_section_i:
            scoped["excludes"] |= {s["entry"] for s in section_i}
        out.append(
            "  Ugea { id: %s, section: %s, title: %s, destinations: {%s}, destinations_excluded: %s, "
            "groups: {%s}, covers: {%s}, covers_qualified: {%s}, excludes: {%s}, excludes_annex_iv: %s, "
            "source: %s }\n"
            % (
                gen.quote(ugea),
                gen.quote(gen.required(row, "section")),
                gen.quote(gen.required(row, "title")),
                ", ".join(gen.quote(key) for key in listed),
                "true" if row["destinations_scope"] == "excluded" else "false",
                ", ".join(gen.quote(group) for group in words(gen, row, "groups", GROUPS)),
                ", ".join(gen.quote(code) for code in sorted(scoped["covers"])),
                ", ".join(gen.quote(code) for code in sorted(scoped["covers_qualified"])),
                ", ".join(gen.quote(code) for code in sorted(scoped["excludes"])),
                "true" if with_section_i else "false",
                gen.quote(gen.required(row, "source")),
            )
        )
    for row in sorted(destinations, key=lambda row: (row["ugea"], row["country"])):
        out.append(
            "  UgeaDestination { id: %s, ugea: %s, country: %s, source: %s }\n"
            % (
                gen.quote("%s/%s" % (row["ugea"], row["country"])),
                gen.quote(row["ugea"]),
                gen.quote(row["country"]),
                gen.quote(gen.required(row, "source")),
            )
        )
    out.append("}\n")
    return "".join(out)
