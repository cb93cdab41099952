"""Reads Annex II of Regulation (EU) 2021/821 in the consolidated text and compares it with
stdlib/data/eu/*.csv, the data `std.eu` is generated from (scripts/gen_eu.py).

The text is the Markdown that the Legalize project makes from EUR-Lex (CELLAR): the file
eu/32021R0821.md of https://github.com/legalize-dev/legalize-eu, whose version and address
stdlib/data/eu/sources.csv records (source `legalize-eu-2021-821`). Download it, then run

    python3 scripts/read_eu_annex.py path/to/32021R0821.md            # report the differences
    python3 scripts/read_eu_annex.py path/to/32021R0821.md --write    # rewrite the CSV files

The script reads, for each of Sections A to H, the destinations of Part 2 (turned into ISO 3166
codes by the table below), the entries of Annex I that Part 1 names, and the list of Section I;
and the codes of Annex I, to report every code of the CSV files that Annex I does not have (a
typo, or an entry a later Annex I removed).
`--write` rewrites ugea_destinations.csv and section_i.csv, whose rows the text gives whole; it
only reports on ugea_items.csv, whose rows need a reader's judgement (what a section covers in
full, what only as its text qualifies, what it excludes), and on entries.csv.

The Markdown has lost some headings: Part 1, Part 2 and Part 3 of each section (the parts are
told apart here by their introductory sentences), and 1C350, 1C450.a and 1C450.b inside EU006
(told apart by the numbering, which restarts for each). A change in that layout makes the script
stop with a message rather than guess.

Python 3 standard library only.
"""

import argparse
import csv
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "stdlib", "data", "eu")
SOURCE = "legalize-eu-2021-821"

# The names Annex II gives its destinations, and their ISO 3166-1 codes. A name may stand for
# several codes; "French overseas territories" stands for none, since no one code is it, and is
# left out so that no export there is authorised by a guess.
NAMES = {
    "Afghanistan": ["AF"],
    "Albania": ["AL"],
    "Argentina": ["AR"],
    "Armenia": ["AM"],
    "Australia": ["AU"],
    "Azerbaijan": ["AZ"],
    "Belarus": ["BY"],
    "Bosnia and Herzegovina": ["BA"],
    "Brazil": ["BR"],
    "Cambodia": ["KH"],
    "Canada": ["CA"],
    "Central African Republic": ["CF"],
    "Chile": ["CL"],
    "China (including Hong Kong and Macao)": ["CN", "HK", "MO"],
    "Congo": ["CG"],
    "Democratic Republic of the Congo": ["CD"],
    "Egypt": ["EG"],
    "Eritrea": ["ER"],
    "French overseas territories": [],
    "Georgia": ["GE"],
    "Iceland": ["IS"],
    "India": ["IN"],
    "Indonesia": ["ID"],
    "Iran": ["IR"],
    "Iraq": ["IQ"],
    "Israel": ["IL"],
    "Japan": ["JP"],
    "Jordan": ["JO"],
    "Kazakhstan": ["KZ"],
    "Kyrgyzstan": ["KG"],
    "Lebanon": ["LB"],
    "Libya": ["LY"],
    "Malaysia": ["MY"],
    "Mali": ["ML"],
    "Mauritius": ["MU"],
    "Mexico": ["MX"],
    "Mongolia": ["MN"],
    "Montenegro": ["ME"],
    "Morocco": ["MA"],
    "Myanmar/Burma": ["MM"],
    "New Zealand": ["NZ"],
    "North Korea": ["KP"],
    "North Macedonia": ["MK"],
    "Norway": ["NO"],
    "Oman": ["OM"],
    "Pakistan": ["PK"],
    "Philippines": ["PH"],
    "Qatar": ["QA"],
    "Russia": ["RU"],
    "Saudi Arabia": ["SA"],
    "Serbia": ["RS"],
    "Singapore": ["SG"],
    "Somalia": ["SO"],
    "South Africa": ["ZA"],
    "South Korea": ["KR"],
    "South Sudan": ["SS"],
    "Sudan": ["SD"],
    "Switzerland, including Liechtenstein": ["CH", "LI"],
    "Syria": ["SY"],
    "Tajikistan": ["TJ"],
    "Thailand": ["TH"],
    "Tunisia": ["TN"],
    "Turkey": ["TR"],
    "Turkmenistan": ["TM"],
    "Ukraine": ["UA"],
    "United Arab Emirates": ["AE"],
    "United Kingdom": ["GB"],
    "United States": ["US"],
    "Uzbekistan": ["UZ"],
    "Venezuela": ["VE"],
    "Yemen": ["YE"],
    "Zimbabwe": ["ZW"],
}

SECTIONS = "ABCDEFGH"
SECTION_HEADING = re.compile(r"^### ([A-I])\. ")
INDENT = re.compile(r"^\s*— (.*?)[,.;]?$")
CODE = re.compile(r"^([0-9][A-E][0-9]{3}(?:\.[a-z0-9]{1,3})*)\.?(?:[ ,]|$)")
CHEMICAL = re.compile(r"^([0-9]{1,2})\. .*\(CAS ")
CHEMICAL_FAMILY = re.compile(r"^([0-9]{1,2})\. (?:Chemicals|N,N-Dialkyl|Dialkyl|Methyldiethanolamine)")
DESTINATIONS_INTRO = "This authorisation is valid throughout the customs territory of the Union for exports"


class TextError(Exception):
    """The text does not have the layout this script reads."""


def annex_ii(lines):
    """The lines of Annex II, Section A to the end of Section I, by section letter."""
    try:
        start = lines.index("## ANNEX II")
        end = lines.index("## ANNEX III")
    except ValueError:
        raise TextError("no `## ANNEX II` followed by `## ANNEX III`: is this eu/32021R0821.md?")
    sections, current = {}, None
    for line in lines[start:end]:
        match = SECTION_HEADING.match(line)
        if match:
            current = match.group(1)
            sections[current] = []
        elif current:
            sections[current].append(line)
    if sorted(sections) != list("ABCDEFGHI"):
        raise TextError("Annex II has sections %s, not A to I" % ", ".join(sorted(sections)))
    return sections


def destination_names(letter, lines):
    """The names Part 2 of a section gives, in its order."""
    if letter == "H":
        # EU008 names the destinations it excludes in one paragraph, Part 2(b).
        for line in lines:
            if line.startswith("(b) Afghanistan"):
                return [name.strip() for name in line[4:].rstrip(";").split(", ")]
        raise TextError("Section H: no Part 2(b) list of excluded destinations")
    for at, line in enumerate(lines):
        if line.startswith(DESTINATIONS_INTRO):
            names = []
            for following in lines[at + 1 :]:
                if not following.strip():
                    continue
                match = INDENT.match(following)
                if not match:
                    break
                names.append(match.group(1))
            return names
    raise TextError("Section %s: no Part 2 (%r)" % (letter, DESTINATIONS_INTRO))


def codes_of(name):
    # "United Kingdom (without prejudice to … Northern Ireland …)" keeps its first words.
    base = name.split(" (without prejudice")[0]
    if base not in NAMES:
        raise TextError("destination %r is not in the table NAMES of this script" % name)
    return NAMES[base]


def part_1(lines):
    """The lines of Part 1 of a section: up to the introduction of its destinations."""
    for at, line in enumerate(lines):
        if line.startswith(DESTINATIONS_INTRO):
            return lines[:at]
    return lines


def entries_named(lines):
    """Every entry of Annex I named at the start of an indent (`— 1C003.b.,`)."""
    found = []
    for line in lines:
        match = INDENT.match(line)
        if match:
            code = CODE.match(match.group(1))
            if code:
                found.append(code.group(1))
    return found


def eu006_entries(lines):
    """The points of 1C350, 1C450.a and 1C450.b that EU006 lists, from their numbering."""
    heads = ["1C350", "1C450.a", "1C450.b"]
    found, previous, head = [], 0, 0
    for line in part_1(lines):
        match = CHEMICAL.match(line) or CHEMICAL_FAMILY.match(line)
        if not match:
            continue
        number = int(match.group(1))
        if number <= previous:
            head += 1
            if head == len(heads):
                raise TextError("Section F: the numbering restarts more than twice")
        previous = number
        found.append("%s.%d" % (heads[head], number))
    if head != 2:
        raise TextError("Section F: expected the points of 1C350, 1C450.a and 1C450.b")
    return found


MENTION = re.compile(r"\b[0-9][A-E][0-9]{3}(?:\.[a-z0-9]{1,3})*")


def entries_mentioned(lines):
    """Every entry of Annex I a section's Part 1 mentions anywhere, indent or running text."""
    return {code for line in lines for code in MENTION.findall(line)}


ANNEX_I_ENTRY = re.compile(r"^([0-9][A-E][0-9]{3})(\S.*)$")
SUB_ENTRY = re.compile(r"^( *)([a-z]|[0-9]{1,3})\. (.*)$")


def annex_i_codes(lines):
    """Every code of Annex I: its entries (`5A002`, written glued to their title) and their
    sub-entries (`a.` at the margin, `1.` three spaces in, and so on), with the first line of
    each. Notes are in italics (`*Note:*`) and are skipped."""
    try:
        start = lines.index("## ANNEX I")
        end = lines.index("## ANNEX II")
    except ValueError:
        raise TextError("no `## ANNEX I` followed by `## ANNEX II`")
    codes, entry, labels = {}, None, []
    for line in lines[start:end]:
        match = ANNEX_I_ENTRY.match(line)
        if match:
            entry, labels = match.group(1), []
            codes[entry] = match.group(2)
            continue
        match = SUB_ENTRY.match(line)
        if entry and match:
            level = len(match.group(1)) // 3
            labels = labels[:level] + [match.group(2)]
            if len(labels) == level + 1:
                codes[".".join([entry] + labels)] = match.group(3)
    return codes


def read_text(path):
    with open(path, encoding="utf-8") as file:
        lines = file.read().split("\n")
    sections = annex_ii(lines)
    destinations = {}
    for index, letter in enumerate(SECTIONS):
        ugea = "EU00%d" % (index + 1)
        destinations[ugea] = sorted({code for name in destination_names(letter, sections[letter]) for code in codes_of(name)})
    items = {}
    for index, letter in enumerate(SECTIONS):
        ugea = "EU00%d" % (index + 1)
        lines_1 = part_1(sections[letter])
        if letter == "F":
            named = set(eu006_entries(sections[letter]))
            mentioned = named
        else:
            named = set(entries_named(lines_1))
            mentioned = entries_mentioned(lines_1)
        items[ugea] = (sorted(named), mentioned)
    section_i = sorted(set(entries_named(sections["I"])))
    return destinations, items, section_i, annex_i_codes(lines)


def read_csv(name):
    with open(os.path.join(DATA, name), encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def write_csv(name, header, rows):
    with open(os.path.join(DATA, name), "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def compare(destinations, items, section_i, codes):
    """The differences between the text and the CSV files, one line each."""
    out = []
    for name in ["entries.csv", "ugea_items.csv", "section_i.csv"]:
        column = "code" if name == "entries.csv" else "entry"
        for row in read_csv(name):
            code = row[column]
            if not code.startswith("Category") and code not in codes:
                out.append("%s: %s is no entry of Annex I in the text" % (name, code))
    held = {}
    for row in read_csv("ugea_destinations.csv"):
        held.setdefault(row["ugea"], set()).add(row["country"])
    for ugea, codes in destinations.items():
        have = held.get(ugea, set())
        for code in sorted(set(codes) - have):
            out.append("ugea_destinations.csv: %s lacks %s" % (ugea, code))
        for code in sorted(have - set(codes)):
            out.append("ugea_destinations.csv: %s has %s, which the text does not name" % (ugea, code))
    rows = read_csv("ugea_items.csv")
    for ugea, (named, mentioned) in items.items():
        have = {row["entry"] for row in rows if row["ugea"] == ugea}
        for code in named:
            if code not in have:
                out.append("ugea_items.csv: %s lists %s in Part 1, the file does not" % (ugea, code))
        for code in sorted(have):
            if not code.startswith("Category") and code not in mentioned:
                out.append("ugea_items.csv: %s holds %s, which Part 1 of its text does not name" % (ugea, code))
    have = sorted(row["entry"] for row in read_csv("section_i.csv"))
    if have != section_i:
        out.append("section_i.csv: %s, the text lists %s" % (" ".join(have), " ".join(section_i)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", help="eu/32021R0821.md of legalize-dev/legalize-eu")
    parser.add_argument("--write", action="store_true", help="rewrite ugea_destinations.csv and section_i.csv")
    args = parser.parse_args()
    try:
        destinations, items, section_i, codes = read_text(args.text)
    except (OSError, TextError) as error:
        sys.stderr.write("%s: %s\n" % (args.text, error))
        return 2
    if args.write:
        write_csv(
            "ugea_destinations.csv",
            ["ugea", "country", "source"],
            [(ugea, code, SOURCE) for ugea in sorted(destinations) for code in destinations[ugea]],
        )
        write_csv("section_i.csv", ["entry", "source"], [(code, SOURCE) for code in section_i])
    differences = compare(destinations, items, section_i, codes)
    for line in differences:
        print(line)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
