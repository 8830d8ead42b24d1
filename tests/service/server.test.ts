import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { createUnsubscribeToken } from '../../src/delivery/tokens.js';
import { renderDigest } from '../../src/email/digest.js';
import { createLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { firstIssueContent } from '../helpers/digest.js';
import { http, rawRequest } from '../helpers/http.js';
import { CLOCK as clock, exampleSite, makeProject, PNG, SECRET, type Project } from '../helpers/project.js';

const item = (n: number) => `<item><title>Story ${n}</title><link>https://news.example.com/${n}/</link><description>Story number ${n}, told at some length so that the feed is worth compressing.</description></item>`;
const RSS = `<?xml version="1.0" encoding="utf-8"?>\n<?xml-stylesheet href="/feed.xsl" type="text/xsl"?>\n<rss version="2.0"><channel><title>The Broadsheet</title>${[1, 2, 3, 4, 5, 6, 7, 8].map(item).join('')}</channel></rss>\n`;
const ATOM = `<?xml version="1.0" encoding="utf-8"?>\n<!-- a comment first -->\n<feed xmlns="http://www.w3.org/2005/Atom"><title>The Broadsheet</title></feed>\n`;
const JSON_FEED = `{\n  "version": "https://jsonfeed.org/version/1.1",\n  "title": "The Broadsheet",\n  "items": []\n}\n`;
const OUTSIDE = 'TOP SECRET: outside the output folder';

let project: Project;
let store: Store;
let server: RunningServer;
const logLines: string[] = [];

beforeAll(async () => {
  project = makeProject();
  const out = (rel: string, content: string | Buffer) => project.write(path.join('output', rel), content);
  out('rss.xml', RSS);
  out('atom.xml', ATOM);
  out('feed.json', JSON_FEED);
  out('tags/cloud/rss.xml', RSS);
  out('feed.xsl', '<?xml version="1.0"?><xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"/>\n');
  out('feeds.opml', '<?xml version="1.0"?><opml version="2.0"><head/><body/></opml>\n');
  out('index.html', '<!doctype html><title>Home</title><p>home page</p>\n');
  out('logo.png', PNG);
  out('outbox/issue-1-reader@example.com.eml', 'To: reader@example.com\r\n\r\nunsubscribe token inside\r\n');
  out('.hidden', 'hidden');
  project.write('secret.txt', OUTSIDE);
  symlinkSync(path.join(project.dir, 'secret.txt'), path.join(project.output, 'leak.txt'));

  const config = await project.loadConfig();
  await project.addSubscribers([{ email: 'reader@example.com', name: 'Reader' }, 'other@example.com']);
  store = await project.store();
  const at = clock.now();
  // Issue 1 is a real digest of the example site, as the email stage renders it, placeholders and all.
  const content = firstIssueContent(await exampleSite(config));
  const digest = await renderDigest(config, content);
  (await store.createIssue({ number: 1, ...digest, entrySlugs: [content.lead.slug], covered: [], createdAt: at }));
  (await store.markIssueSent(1, at));
  const plain = (number: number, subject: string) =>
    store.createIssue({ number, subject, preheader: '', html: `<p>issue ${number}</p>`, text: '', entrySlugs: [], covered: [], createdAt: at });
  await plain(2, 'Second <b>issue</b>');
  (await store.markIssueSent(2, at));
  await plain(3, 'Third, still sending');

  const log = createLogger({ format: 'text', clock, write: (l) => logLines.push(l) });
  server = await startServer({ config, clock, log, store, secret: SECRET, host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await server?.close();
  await store?.close();
});

const get = (p: string, headers: Record<string, string> = {}) => http(server.url, p, { headers });

describe('static files', () => {
  it('listens on 127.0.0.1 and answers the health check', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await get('/healthz');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(r.text)).toEqual({ status: 'ok' });
  });

  it.each([
    ['/rss.xml', 'application/rss+xml; charset=utf-8'],
    ['/atom.xml', 'application/atom+xml; charset=utf-8'],
    ['/feed.json', 'application/feed+json; charset=utf-8'],
    ['/tags/cloud/rss.xml', 'application/rss+xml; charset=utf-8'],
    ['/feed.xsl', 'text/xsl; charset=utf-8'],
    ['/feeds.opml', 'text/x-opml; charset=utf-8'],
    ['/', 'text/html; charset=utf-8'],
    ['/index.html', 'text/html; charset=utf-8'],
    ['/logo.png', 'image/png'],
  ])('serves %s as %s', async (p, type) => {
    const r = await get(p);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(type);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses to start on a port in use, saying so', async () => {
    const port = Number(new URL(server.url).port);
    const config = await project.loadConfig();
    const log = createLogger({ format: 'json', clock, write: () => {} });
    await expect(startServer({ config, clock, log, store, secret: SECRET, host: '127.0.0.1', port })).rejects.toMatchObject({
      code: 'LISTEN_FAILED',
      message: `cannot listen on 127.0.0.1:${port}: the port is in use; choose another with --port or server.port`,
    });
  });

  it('serves the bytes of the file', async () => {
    expect((await get('/rss.xml')).text).toBe(RSS);
    expect((await get('/logo.png')).body.equals(PNG)).toBe(true);
  });

  it('gives a browser the feed as application/xml, so it shows the stylesheet instead of downloading', async () => {
    const browser = await get('/rss.xml', { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' });
    expect(browser.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(browser.headers.vary).toBe('Accept, Accept-Encoding');
    const reader = await get('/rss.xml', { Accept: 'application/rss+xml, application/xml;q=0.9' });
    expect(reader.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(browser.headers.etag).not.toBe(reader.headers.etag);
  });

  it('answers If-None-Match with 304 when the ETag matches, and 200 when it does not', async () => {
    const first = await get('/rss.xml');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    const again = await get('/rss.xml', { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect((await get('/rss.xml', { 'If-None-Match': `"other", W/${etag}` })).status).toBe(304);
    expect((await get('/rss.xml', { 'If-None-Match': '"other"' })).status).toBe(200);
  });

  it('answers If-Modified-Since with 304 unless the file changed after it; If-None-Match takes precedence', async () => {
    const first = await get('/atom.xml');
    const lastModified = first.headers['last-modified'] as string;
    expect(new Date(lastModified).toUTCString()).toBe(lastModified);
    expect((await get('/atom.xml', { 'If-Modified-Since': lastModified })).status).toBe(304);
    expect((await get('/atom.xml', { 'If-Modified-Since': new Date(Date.parse(lastModified) + 60_000).toUTCString() })).status).toBe(304);
    expect((await get('/atom.xml', { 'If-Modified-Since': new Date(Date.parse(lastModified) - 60_000).toUTCString() })).status).toBe(200);
    expect((await get('/atom.xml', { 'If-Modified-Since': lastModified, 'If-None-Match': '"stale"' })).status).toBe(200);
  });

  it('sends a new ETag once the file is rewritten', async () => {
    project.write('output/changing.txt', 'version one\n');
    const one = await get('/changing.txt');
    project.write('output/changing.txt', 'version two, longer\n');
    const two = await get('/changing.txt', { 'If-None-Match': one.headers.etag as string });
    expect(two.status).toBe(200);
    expect(two.text).toBe('version two, longer\n');
    expect(two.headers.etag).not.toBe(one.headers.etag);
  });

  it('compresses with gzip or br when the client asks, with a validator per encoding', async () => {
    const gz = await get('/rss.xml', { 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString('utf8')).toBe(RSS);
    expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
    expect(gz.body.length).toBeLessThan(Buffer.byteLength(RSS));

    const br = await get('/rss.xml', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString('utf8')).toBe(RSS);
    expect((await get('/rss.xml', { 'Accept-Encoding': 'br;q=0.5, gzip' })).headers['content-encoding']).toBe('gzip');

    const plain = await get('/rss.xml');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect((await get('/rss.xml', { 'Accept-Encoding': 'gzip;q=0, br;q=0' })).headers['content-encoding']).toBeUndefined();
    expect(new Set([gz.headers.etag, br.headers.etag, plain.headers.etag]).size).toBe(3);
    expect(gz.headers.vary).toContain('Accept-Encoding');
    expect((await get('/rss.xml', { 'Accept-Encoding': 'gzip', 'If-None-Match': gz.headers.etag as string })).status).toBe(304);
  });

  it('does not compress images', async () => {
    const r = await get('/logo.png', { 'Accept-Encoding': 'gzip, br' });
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.headers.vary).toBeUndefined();
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const head = await http(server.url, '/rss.xml', { method: 'HEAD', headers: { 'Accept-Encoding': 'gzip' } });
    const get = await http(server.url, '/rss.xml', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(head.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
  });

  it('refuses other methods on files', async () => {
    const r = await http(server.url, '/rss.xml', { method: 'POST', body: 'x' });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
  });

  it('redirects a folder without its slash, to a path on this server only', async () => {
    const r = await get('/tags/cloud');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('/tags/cloud/');
    const sneaky = await get('//evil.example/tags/cloud');
    expect(sneaky.status).toBe(404);
  });

  it('does not serve the outbox, hidden files, or missing files', async () => {
    expect((await get('/outbox/issue-1-reader@example.com.eml')).status).toBe(404);
    expect((await get('/outbox/')).status).toBe(404);
    expect((await get('/.hidden')).status).toBe(404);
    expect((await get('/nope.xml')).status).toBe(404);
  });
});

describe('path traversal', () => {
  it.each([
    '/../secret.txt',
    '/tags/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/.%2e/secret.txt',
    '/tags/%2e%2e/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/tags%2f..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/..\\secret.txt',
    '/rss.xml%00.html',
    '/./rss.xml',
  ])('refuses %s with 400', async (target) => {
    const r = await rawRequest(server.url, target);
    expect(r.status).toBe(400);
    expect(r.text).not.toContain(OUTSIDE);
  });

  it('does not follow a symbolic link out of the output folder', async () => {
    const r = await get('/leak.txt');
    expect(r.status).toBe(404);
    expect(r.text).not.toContain(OUTSIDE);
  });
});

describe('the issue archive', () => {
  it('lists the sent issues, with escaped subjects', async () => {
    const r = await get('/issues/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.text).toContain('<li><a href="2/">No. 2: Second &lt;b&gt;issue&lt;/b&gt;</a> <time datetime="2025-09-01T07:00:00.000Z">2025-09-01</time></li>');
    expect(r.text).toContain('<a href="1/">No. 1: The Broadsheet: Pentagon Ends Microsoft&#39;s Use Of China-based Support Staff For DoD Cloud</a>');
    expect(r.text.indexOf('No. 2')).toBeLessThan(r.text.indexOf('No. 1'));
    expect(r.text).not.toContain('Third, still sending');
    expect((await get('/issues')).headers.location).toBe('/issues/');
  });

  it('shows an issue at its view-in-browser URL with neutral values for the recipient', async () => {
    const r = await get('/issues/1/');
    expect(r.status).toBe(200);
    expect(r.text).toContain('Pentagon Ends Microsoft');
    expect(r.text).toContain('<a href="https://news.example.com/issues/1/"');
    expect(r.text).toContain('<a href="https://news.example.com/unsubscribe/"');
    expect(r.text).not.toMatch(/[\uE000-\uE00F]/);
    expect(r.headers['content-security-policy']).toContain("default-src 'none'");
    expect((await get('/issues/1/', { 'If-None-Match': r.headers.etag as string })).status).toBe(304);
    expect((await get('/issues/1')).headers.location).toBe('/issues/1/');
  });

  it('shows an issue that is still being sent (its recipients already have the link)', async () => {
    const r = await get('/issues/3/');
    expect(r.status).toBe(200);
    expect(r.text).toBe('<p>issue 3</p>');
  });

  it('lists an issue once it is sent', async () => {
    const before = await get('/issues/');
    (await store.markIssueSent(3, clock.now()));
    const after = await get('/issues/', { 'If-None-Match': before.headers.etag as string });
    expect(after.status).toBe(200);
    expect(after.text).toContain('<a href="3/">No. 3: Third, still sending</a>');
  });

  it.each(['/issues/4/', '/issues/0/', '/issues/01/', '/issues/abc/', '/issues/1/extra'])('answers %s with 404', async (p) => {
    expect((await get(p)).status).toBe(404);
  });
});

describe('unsubscribe', () => {
  const status = async (email: string) => (await store.getSubscriber(email))?.status;

  it('GET shows a confirmation page with a button and changes nothing', async () => {
    const token = createUnsubscribeToken(SECRET, 'reader@example.com');
    const r = await get(`/unsubscribe/${token}`);
    expect(r.status).toBe(200);
    expect(r.text).toContain('<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><input type="hidden" name="from" value="page"><button type="submit">Unsubscribe</button></form>');
    expect(r.text).toContain('r***@example.com');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['cache-control']).toBe('no-store');
    expect((await http(server.url, `/unsubscribe/${token}`, { method: 'HEAD' })).status).toBe(200);
    expect(await status('reader@example.com')).toBe('subscribed');
  });

  it('POST with List-Unsubscribe=One-Click unsubscribes at once, and again changes nothing more', async () => {
    const token = createUnsubscribeToken(SECRET, 'reader@example.com');
    const post = () =>
      http(server.url, `/unsubscribe/${token}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    const first = await post();
    expect(first.status).toBe(200);
    expect(first.text).toContain('will receive no more digests');
    expect(await status('reader@example.com')).toBe('unsubscribed');
    const left = await store.getSubscriber('reader@example.com');
    expect(left).toMatchObject({ leftVia: 'one-click' });
    const second = await post();
    expect(second.status).toBe(200);
    expect((await store.getSubscriber('reader@example.com'))?.leftAt).toEqual(left!.leftAt);
    expect(logLines.filter((l) => l.startsWith('unsubscribed '))).toEqual([
      'unsubscribed subscriber=r***@example.com changed=true via=one-click\n',
      'unsubscribed subscriber=r***@example.com changed=false via=one-click\n',
    ]);
  });

  it('accepts the one-click body as multipart/form-data (RFC 8058 SHOULD)', async () => {
    const token = createUnsubscribeToken(SECRET, 'other@example.com');
    const body = '--b0undary\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b0undary--\r\n';
    const r = await http(server.url, `/unsubscribe/${token}`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=b0undary' }, body });
    expect(r.status).toBe(200);
    expect(await status('other@example.com')).toBe('unsubscribed');
  });

  it('does not take another multipart field for the one-click field', async () => {
    await store.addSubscribers([{ email: 'fourth@example.com' }], clock.now(), { resubscribe: false });
    const token = createUnsubscribeToken(SECRET, 'fourth@example.com');
    const body = '--b0undary\r\nContent-Disposition: form-data; name="List-Unsubscribe-Post"\r\n\r\nOne-Click\r\n--b0undary--\r\n';
    const r = await http(server.url, `/unsubscribe/${token}`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=b0undary' }, body });
    expect(r.status).toBe(400);
    expect(await status('fourth@example.com')).toBe('subscribed');
  });

  it('refuses a POST without the one-click body and changes nothing', async () => {
    await store.addSubscribers([{ email: 'third@example.com' }], clock.now(), { resubscribe: false });
    const token = createUnsubscribeToken(SECRET, 'third@example.com');
    const r = await http(server.url, `/unsubscribe/${token}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'something=else' });
    expect(r.status).toBe(400);
    expect(await status('third@example.com')).toBe('subscribed');
  });

  it('answers a forged or altered token with a 400 page and changes nothing', async () => {
    await store.addSubscribers([{ email: 'fourth@example.com' }], clock.now(), { resubscribe: false });
    const forged = createUnsubscribeToken('QpcUU+PFcShP0qUw6C49TCgic+ScYPMQpUygWIJxVGM=', 'fourth@example.com');
    const genuine = createUnsubscribeToken(SECRET, 'fourth@example.com');
    const altered = genuine.slice(0, -2) + (genuine.endsWith('AA') ? 'BB' : 'AA');
    for (const token of [forged, altered, 'not-a-token']) {
      const get = await http(server.url, `/unsubscribe/${token}`);
      expect(get.status).toBe(400);
      expect(get.text).toContain('This unsubscribe link is not valid');
      const post = await http(server.url, `/unsubscribe/${token}`, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
      expect(post.status).toBe(400);
    }
    expect(await status('fourth@example.com')).toBe('subscribed');
  });

  it('explains how to unsubscribe at /unsubscribe/', async () => {
    const r = await get('/unsubscribe/');
    expect(r.status).toBe(200);
    expect(r.text).toContain('follow the unsubscribe link at the bottom of any issue');
  });

  it('never writes a token to the log', async () => {
    const token = createUnsubscribeToken(SECRET, 'reader@example.com');
    await get(`/unsubscribe/${token}?x=1`);
    const requestLines = logLines.filter((l) => l.startsWith('request ') && l.includes('/unsubscribe/'));
    expect(requestLines.length).toBeGreaterThan(5);
    expect(requestLines.every((l) => l.includes('path=/unsubscribe/[token]') || l.includes('path=/unsubscribe/ '))).toBe(true);
    expect(logLines.join('')).not.toContain(token);
  });
});

describe('a server without the secret or the output folder', () => {
  it('answers unsubscribe links with 503 and the health check with 503', async () => {
    const bare = makeProject({ articles: 'none' });
    const config = await bare.loadConfig();
    const s = await bare.store();
    const log = createLogger({ format: 'json', clock, write: () => {} });
    const srv = await startServer({ config, clock, log, store: s, secret: undefined, host: '127.0.0.1', port: 0 });
    try {
      const token = createUnsubscribeToken(SECRET, 'reader@example.com');
      expect((await http(srv.url, `/unsubscribe/${token}`)).status).toBe(503);
      const health = await http(srv.url, '/healthz');
      expect(health.status).toBe(503);
      expect(JSON.parse(health.text).status).toBe('unavailable');
      mkdirSync(config.paths.output);
      expect((await http(srv.url, '/healthz')).status).toBe(200);
    } finally {
      await srv.close();
      await s.close();
    }
  });
});
