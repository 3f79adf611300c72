#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes a libFuzzer dictionary from sample inputs: the XML syntax plus the
element and attribute names (and short attribute values) of XML files, the
JSON syntax plus the member names (and short strings) of JSON files, or the
first word of each line of line-oriented files.

usage: make-dicts.py xml|json|lines|replies OUT FILE..."""
import json
import re
import sys
import xml.etree.ElementTree as ET

XML_SYNTAX = ["<", ">", "/>", "</", "='", "=\"", "<?xml version='1.0'?>", "<!--", "-->",
              "<![CDATA[", "]]>", "&amp;", "&lt;", "&#x0;", "&#10;", "xmlns=", "xmlns:q=",
              "<!DOCTYPE ", "<!ENTITY "]
JSON_SYNTAX = ["{", "}", "[", "]", ":", ",", "\"", "true", "false", "null", "0", "-1",
               "1e308", "18446744073709551616", "\\u0000", "\\ud800", "\xef\xbb\xbf"]


def esc(s):
    out = []
    for b in s.encode():
        if b == 0x22 or b == 0x5C:
            out.append("\\" + chr(b))
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def xml_words(path, words):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return
    for el in root.iter():
        tag = re.sub(r"^\{.*\}", "", str(el.tag))
        words.add("<" + tag)
        words.add("</" + tag + ">")
        for k, v in el.attrib.items():
            k = re.sub(r"^\{.*\}", "", k)
            words.add(" " + k + "='")
            if len(v) <= 24:
                words.add(v)
        if el.text and el.text.strip() and len(el.text.strip()) <= 24:
            words.add(el.text.strip())


def json_walk(o, words):
    if isinstance(o, dict):
        for k, v in o.items():
            words.add('"%s":' % k)
            json_walk(v, words)
    elif isinstance(o, list):
        for v in o:
            json_walk(v, words)
    elif isinstance(o, str) and len(o) <= 24:
        words.add('"%s"' % o)


def json_words(path, words):
    text = open(path, encoding="utf-8", errors="replace").read().lstrip("\ufeff")
    dec = json.JSONDecoder()
    i = 0
    while i < len(text):
        if text[i] in " \t\r\n":
            i += 1
            continue
        try:
            o, i = dec.raw_decode(text, i)
        except ValueError:
            return
        json_walk(o, words)


def main():
    mode, out, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    words = set()
    if mode == "xml":
        words.update(XML_SYNTAX)
        for f in files:
            xml_words(f, words)
    elif mode in ("json", "replies"):
        words.update(JSON_SYNTAX)
        for f in files:
            json_words(f, words)
    else:
        for f in files:
            for line in open(f, encoding="utf-8", errors="replace"):
                w = line.split(" ", 1)[0].strip()
                if w:
                    words.add(w + (" " if " " in line else ""))
    # libFuzzer reads at most 64 bytes an entry; the longest names are the least useful anyway.
    words = sorted(w for w in words if 0 < len(w.encode()) <= 48)
    with open(out, "w") as f:
        f.write("# Made by make-dicts.py from the seed inputs; regenerate rather than edit.\n")
        for i, w in enumerate(words):
            f.write('k%d="%s"\n' % (i, esc(w)))


if __name__ == "__main__":
    main()
