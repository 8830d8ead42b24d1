import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleFeeds } from '../helpers/feeds.js';

/**
 * The example site's feed files, byte for byte. The other tests check their
 * structure and meaning; this one shows any change at all in review.
 * `UPDATE_GOLDEN=1 npx vitest run tests/feeds/golden.test.ts` rewrites them.
 */
const GOLDEN = path.join(import.meta.dirname, 'golden');
const FILES = ['rss.xml', 'atom.xml', 'feed.json', 'tags/security/rss.xml', 'tags/security/atom.xml', 'tags/security/feed.json', 'feeds.opml', 'tags.opml', 'feed-links.html', 'feed.xsl', '_headers'];

describe('golden feed files of the example site', () => {
  it('match (UPDATE_GOLDEN=1 rewrites them)', async () => {
    const { files } = await exampleFeeds();
    for (const name of FILES) {
      const f = files.find((x) => x.path === name)!;
      const bytes = Buffer.from(f.content);
      const golden = path.join(GOLDEN, name);
      if (process.env.UPDATE_GOLDEN === '1') {
        mkdirSync(path.dirname(golden), { recursive: true });
        writeFileSync(golden, bytes);
      }
      expect(existsSync(golden), `${golden} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(bytes.toString('utf8'), `${name} differs from ${golden}`).toBe(readFileSync(golden, 'utf8'));
    }
  });
});
