# Parses feed files (RSS and Atom: Debian's feedparser 6.0 has no JSON Feed support) with Debian's python3-feedparser and prints what it saw as
# JSON, one object per file, for tests/helpers/feeds.ts. Run with /usr/bin/python3.
import json
import sys

import feedparser


def iso(parsed):
    if not parsed:
        return None
    return '%04d-%02d-%02dT%02d:%02d:%02dZ' % tuple(parsed[:6])


def entry(e):
    return {
        'id': e.get('id'),
        'title': e.get('title'),
        'title_type': (e.get('title_detail') or {}).get('type'),
        'language': (e.get('title_detail') or {}).get('language'),
        'link': e.get('link'),
        'published': iso(e.get('published_parsed')),
        'updated': iso(e.get('updated_parsed')),
        'authors': [a.get('name') for a in e.get('authors', []) if a.get('name')],
        'tags': [t.get('term') for t in e.get('tags', [])],
        'content': [c.get('value') for c in e.get('content', [])],
        'summary': e.get('summary'),
        'enclosures': [{'href': x.get('href'), 'type': x.get('type'), 'length': x.get('length')} for x in e.get('enclosures', [])],
        'media_content': [dict(m) for m in e.get('media_content', [])],
        'image': (e.get('image') or {}).get('href') if isinstance(e.get('image'), dict) else e.get('image'),
    }


out = []
for path in sys.argv[1:]:
    with open(path, 'rb') as f:
        d = feedparser.parse(f.read())
    out.append({
        'file': path,
        'bozo': int(bool(d.bozo)),
        'bozo_exception': str(d.get('bozo_exception', '')),
        'version': d.get('version'),
        'title': d.feed.get('title'),
        'link': d.feed.get('link'),
        'language': d.feed.get('language'),
        'updated': iso(d.feed.get('updated_parsed')),
        'links': [{'rel': l.get('rel'), 'href': l.get('href')} for l in d.feed.get('links', [])],
        'entries': [entry(e) for e in d.entries],
    })
json.dump(out, sys.stdout)
