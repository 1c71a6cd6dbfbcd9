#!/usr/bin/env python3
"""Checks scripts/wordpress-fixture's staged output (export.xml, expected.json, uploads/)
against each other, and rewrites expected.json with a two-space indent.

    check-export.py STAGE_DIR
"""
import html, json, os, sys, xml.dom.minidom
import xml.etree.ElementTree as ET

stage = sys.argv[1]
xml_path = os.path.join(stage, "export.xml")
xml.dom.minidom.parse(xml_path)  # well-formed
root = ET.parse(xml_path).getroot()
exp = json.load(open(os.path.join(stage, "expected.json"), encoding="utf-8"))
errors = []
def err(msg): errors.append(msg)

version = root.find("channel/{*}wxr_version").text
wp = "{http://wordpress.org/export/%s/}" % version
content = "{http://purl.org/rss/1.0/modules/content/}encoded"
excerpt_ns = "{http://wordpress.org/export/%s/excerpt/}encoded" % version
site = exp["site_url"]
items = {int(i.find(wp + "post_id").text): i for i in root.iter("item")}

for p in exp["posts"] + exp["attachments"]:
    i = items.get(p["id"])
    if i is None:
        err(f"post {p['id']} missing from export.xml"); continue
    pt = i.find(wp + "post_type").text
    if "post_type" in p and pt != p["post_type"]:
        err(f"{p['id']}: post_type {pt} != {p['post_type']}")
    if "status" in p and i.find(wp + "status").text != p["status"]:
        err(f"{p['id']}: status {i.find(wp + 'status').text} != {p['status']}")
    if (i.find(wp + "post_name").text or "") != p["slug"]:
        err(f"{p['id']}: slug {i.find(wp + 'post_name').text} != {p['slug']}")
    if (i.find("title").text or "") != p["title"]:
        err(f"{p['id']}: title {i.find('title').text!r} != {p['title']!r}")
    link = i.find("link").text
    if link.replace("&#038;", "&") != site + p["permalink"]:
        err(f"{p['id']}: link {link} != {site + p['permalink']}")
    if "texts" not in p:
        continue
    body = html.unescape(i.find(content).text or "")
    raw = i.find(content).text or ""
    for t in p["texts"]:
        if t not in body: err(f"{p['id']}: text {t!r} not in content")
    for u in p["links"]:
        if u not in body: err(f"{p['id']}: link {u!r} not in content")
    for f in p["images"] + p["files"]:
        if "/" + f not in raw: err(f"{p['id']}: file {f!r} not in content")
    for l in p["internal_links"]:
        if l["url"] not in raw: err(f"{p['id']}: internal link {l['url']!r} not in content")
    if (i.find(excerpt_ns).text or "") != p["excerpt"]:
        err(f"{p['id']}: excerpt differs")
    if (i.find(wp + "post_password").text or "") != p["password"]:
        err(f"{p['id']}: password differs")
    cats = sorted(c.get("nicename") for c in i.findall("category") if c.get("domain") == "category")
    tags = sorted(c.get("nicename") for c in i.findall("category") if c.get("domain") == "post_tag")
    if cats != sorted(p["categories"]): err(f"{p['id']}: categories {cats} != {p['categories']}")
    if tags != sorted(p["tags"]): err(f"{p['id']}: tags {tags} != {p['tags']}")
    if i.find(wp + "post_date").text != p["date"]: err(f"{p['id']}: post_date differs")
    if i.find(wp + "post_date_gmt").text != p["date_gmt"]: err(f"{p['id']}: post_date_gmt differs")
    if i.find(wp + "post_modified").text != p["modified"]: err(f"{p['id']}: post_modified differs")

# No date taken from the clock of the run may be left in the items.
for i in items.values():
    for tag in ("post_date", "post_date_gmt", "post_modified", "post_modified_gmt"):
        v = i.find(wp + tag).text
        if v[:4] not in ("2023", "2030", "0000"):
            err(f"{i.find(wp + 'post_id').text}: {tag} {v} is not a fixed date")

for a in exp["attachments"]:
    for f in [a["file"]] + [s["file"] for s in a["sizes"].values()]:
        if not os.path.isfile(os.path.join(stage, "uploads", f)): err(f"uploads/{f} missing")

authors = {a.find(wp + "author_login").text: a for a in root.iter(wp + "author")}
for a in exp["authors"]:
    x = authors.get(a["login"])
    if x is None: err(f"author {a['login']} missing"); continue
    if x.find(wp + "author_email").text != a["email"]: err(f"author {a['login']}: email differs")
    if x.find(wp + "author_display_name").text != a["display_name"]: err(f"author {a['login']}: display name differs")
cats = {c.find(wp + "category_nicename").text: c for c in root.iter(wp + "category")}
for c in exp["categories"]:
    x = cats.get(c["slug"])
    if x is None: err(f"category {c['slug']} missing"); continue
    if x.find(wp + "cat_name").text != c["name"]: err(f"category {c['slug']}: name differs")
    if (x.find(wp + "category_parent").text or None) != c["parent"]: err(f"category {c['slug']}: parent differs")
tags = {t.find(wp + "tag_slug").text: t for t in root.iter(wp + "tag")}
for t in exp["tags"]:
    x = tags.get(t["slug"])
    if x is None: err(f"tag {t['slug']} missing"); continue
    if x.find(wp + "tag_name").text != t["name"]: err(f"tag {t['slug']}: name differs")
ids = {int(c.find(wp + "comment_id").text) for c in root.iter(wp + "comment")}
for c in exp["comments"]:
    if (c["id"] in ids) != c["in_export"]: err(f"comment {c['id']}: in export is {c['id'] in ids}, expected {c['in_export']}")

size = os.path.getsize(xml_path)
if size > 200_000: err(f"export.xml is {size} bytes")
up = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(stage, "uploads")) for f in fs)
if up > 100_000: err(f"uploads/ is {up} bytes")
if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
# Two-space indent like the repository's other JSON, same content.
with open(os.path.join(stage, "expected.json"), "w", encoding="utf-8") as f:
    json.dump(exp, f, ensure_ascii=False, indent=2)
    f.write("\n")
print(f"export.xml: {size} bytes, {len(items)} items, WXR {version}; uploads: {up} bytes", file=sys.stderr)
