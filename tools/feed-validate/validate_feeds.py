#!/usr/bin/env python3
"""Independent check of the status feeds: parses with xml.etree and checks the elements the specs require.

RSS 2.0 (https://www.rssboard.org/rss-specification): <rss version="2.0"> with one <channel> holding title, link and
description; every <item> has a title or a description; guids are unique.
Atom 1.0 (RFC 4287): <feed> in the Atom namespace with id, title, updated (RFC 3339) and an author (feed or every
entry); every <entry> has id, title and updated; ids are unique; links have href.
Usage: validate_feeds.py rss FILE | atom FILE   -> prints the number of entries, exits 1 with reasons on failure.
"""
import re
import sys
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def fail(errors):
    for e in errors:
        print("INVALID: " + e)
    sys.exit(1)


def check_rss(root):
    errors = []
    if root.tag != "rss" or root.get("version") != "2.0":
        errors.append("root is not <rss version=\"2.0\">")
    channels = root.findall("channel")
    if len(channels) != 1:
        fail(errors + ["need exactly one <channel>"])
    ch = channels[0]
    for name in ("title", "link", "description"):
        if ch.find(name) is None or not (ch.find(name).text or "").strip():
            errors.append(f"channel lacks <{name}>")
    guids = []
    items = ch.findall("item")
    for i, item in enumerate(items):
        if item.find("title") is None and item.find("description") is None:
            errors.append(f"item {i} has neither title nor description")
        g = item.find("guid")
        if g is None or not (g.text or "").strip():
            errors.append(f"item {i} has no guid")
        else:
            guids.append(g.text.strip())
        p = item.find("pubDate")
        if p is not None:
            try:
                parsedate_to_datetime(p.text)
            except Exception:
                errors.append(f"item {i} pubDate is not RFC 822: {p.text}")
    if len(set(guids)) != len(guids):
        errors.append("duplicate guids")
    return errors, len(items)


def check_atom(root):
    errors = []
    if root.tag != ATOM + "feed":
        fail(["root is not an Atom <feed>"])
    for name in ("id", "title", "updated"):
        el = root.find(ATOM + name)
        if el is None or not (el.text or "").strip():
            errors.append(f"feed lacks <{name}>")
    upd = root.find(ATOM + "updated")
    if upd is not None and not RFC3339.match((upd.text or "").strip()):
        errors.append(f"feed updated is not RFC 3339: {upd.text}")
    feed_author = root.find(ATOM + "author") is not None
    ids = []
    entries = root.findall(ATOM + "entry")
    for i, entry in enumerate(entries):
        for name in ("id", "title", "updated"):
            el = entry.find(ATOM + name)
            if el is None or not (el.text or "").strip():
                errors.append(f"entry {i} lacks <{name}>")
        u = entry.find(ATOM + "updated")
        if u is not None and not RFC3339.match((u.text or "").strip()):
            errors.append(f"entry {i} updated is not RFC 3339: {u.text}")
        if not feed_author and entry.find(ATOM + "author") is None:
            errors.append(f"entry {i} has no author and the feed has none")
        for link in entry.findall(ATOM + "link"):
            if not link.get("href"):
                errors.append(f"entry {i} has a link without href")
        if entry.find(ATOM + "id") is not None:
            ids.append(entry.find(ATOM + "id").text)
    if len(set(ids)) != len(ids):
        errors.append("duplicate entry ids")
    return errors, len(entries)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("rss", "atom"):
        print(__doc__)
        sys.exit(2)
    root = ET.parse(sys.argv[2]).getroot()
    errors, count = (check_rss if sys.argv[1] == "rss" else check_atom)(root)
    if errors:
        fail(errors)
    print(f"valid {sys.argv[1]}: {count} entries")


if __name__ == "__main__":
    main()
