import { existsSync } from 'node:fs';
import path from 'node:path';
import mjmlPackage from 'mjml';
import { beforeAll, describe, expect, it } from 'vitest';
import { MJML_OPTIONS } from '../../src/email/mjml.js';
import { loadTemplates } from '../../src/email/templates.js';
import { digestView } from '../../src/email/view.js';
import { loadBundled } from '../../src/util/bundled.js';
import { firstIssueContent } from '../helpers/digest.js';
import { exampleConfig, exampleSite, REPO } from '../helpers/project.js';

// scripts/bundle.mjs writes it; `npm test` runs `npm run build:ts` first.
const DIST_BUNDLES = path.join(REPO, 'dist', 'bundled');
type Mjml2Html = typeof mjmlPackage;
type Rendered = Awaited<ReturnType<Mjml2Html>>;
const options = { ...MJML_OPTIONS, fonts: {} };

/** What a render gives, or the errors it throws, in a form two renders can be compared by. */
async function outcome(mjml2html: Mjml2Html, input: string): Promise<{ html: string } | { errors: unknown }> {
  try {
    const rendered: Rendered = await mjml2html(input, options);
    return { html: rendered.html };
  } catch (error) {
    return { errors: (error as { errors?: unknown }).errors ?? String(error) };
  }
}

describe('the MJML bundle (dist/bundled/mjml.cjs)', () => {
  let bundled: ReturnType<typeof loadBundled<Mjml2Html>>;
  let digestMjml: string;

  beforeAll(async () => {
    expect(existsSync(path.join(DIST_BUNDLES, 'mjml.cjs')), 'dist/bundled/mjml.cjs is missing: run npm run build:ts').toBe(true);
    // That it loads with its code cache is tests/util/bundled.test.ts's, for every bundle.
    bundled = loadBundled<Mjml2Html>('mjml', DIST_BUNDLES);
    expect(bundled).toBeDefined();
    const config = await exampleConfig();
    const view = digestView(config, firstIssueContent(await exampleSite(config)));
    digestMjml = (await loadTemplates(config)).html(view).mjml;
  });

  it('renders the example digest to the same bytes as the mjml package', async () => {
    const ours = await outcome(bundled!.exports, digestMjml);
    expect(ours).toEqual(await outcome(mjmlPackage, digestMjml));
    expect('html' in ours && ours.html.length).toBeGreaterThan(30_000);
  });

  it('rejects invalid markup with the same errors, lines and tags as the mjml package', async () => {
    const broken = digestMjml.replace('<mj-column', '<mj-column unknown-attribute="1"').replace('</mj-text>', '</mj-text><mj-bogus />');
    const ours = await outcome(bundled!.exports, broken);
    expect(ours).toEqual(await outcome(mjmlPackage, broken));
    expect('errors' in ours && (ours.errors as { tagName: string }[]).map((e) => e.tagName)).toEqual(expect.arrayContaining(['mj-column']));
  });

  it('renders what the default templates do not use (navbar, social, hero, accordion, carousel, table) as the package does', async () => {
    const wide = `<mjml><mj-body><mj-hero background-url="https://example.com/h.jpg" background-height="200px" background-width="600px"><mj-text>Hero</mj-text></mj-hero>
<mj-section><mj-column><mj-navbar><mj-navbar-link href="https://example.com/a">A</mj-navbar-link></mj-navbar>
<mj-social><mj-social-element name="github" href="https://github.com/">GitHub</mj-social-element></mj-social>
<mj-accordion><mj-accordion-element><mj-accordion-title>Q</mj-accordion-title><mj-accordion-text>A</mj-accordion-text></mj-accordion-element></mj-accordion>
<mj-carousel><mj-carousel-image src="https://example.com/1.jpg" /></mj-carousel>
<mj-table><tr><td>1</td></tr></mj-table><mj-spacer height="10px" /></mj-column></mj-section></mj-body></mjml>`;
    // The carousel and the navbar name their parts with random hex ids, new on every render.
    const ids = (o: Awaited<ReturnType<typeof outcome>>) => ('html' in o ? o.html.replace(/\b[0-9a-f]{16}\b/g, 'ID') : o);
    const ours = await outcome(bundled!.exports, wide);
    expect(ids(ours)).toEqual(ids(await outcome(mjmlPackage, wide)));
    expect('html' in ours && ours.html).toContain('mj-carousel');
  });
});
