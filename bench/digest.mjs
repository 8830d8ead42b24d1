// Digest benchmark: MJML's import cost, one MJML render of the example digest, and personalisation per recipient.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => path.join(repo, 'dist', p);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Import time in a fresh process: this process may have mjml cached already. */
function coldImportMs() {
  const code = `const t = performance.now(); await import(${JSON.stringify(dist('email/mjml.js'))}).then((m) => m.loadMjml()); console.log(performance.now() - t);`;
  const runs = [0, 1, 2].map(() => Number(spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' }).stdout));
  return median(runs);
}

export async function runDigestBench({ recipients = 10_000 } = {}) {
  const { loadConfig } = await import(dist('config/load.js'));
  const { loadSite } = await import(dist('content/load.js'));
  const { fixedClock } = await import(dist('clock.js'));
  const { renderDigest, personalize, encodedPersonalizer } = await import(dist('email/digest.js'));
  const { planNextIssue } = await import(dist('pipeline/next-issue.js'));
  const { loadTemplates } = await import(dist('email/templates.js'));
  const { digestView } = await import(dist('email/view.js'));
  const { loadMjml } = await import(dist('email/mjml.js'));

  console.log(`mjml import (cold process, median of 3): ${coldImportMs().toFixed(0)} ms`);
  const config = await loadConfig(path.join(repo, 'broadsheet.config.yaml'));
  // The first issue of the example site, as `send` would make it.
  const content = planNextIssue(await loadSite(config, fixedClock('2026-01-01T00:00:00Z')), { covered: new Set() }).content;
  const mjml2html = await loadMjml();
  const stage1 = (await loadTemplates(config)).html(digestView(config, content)).mjml;
  const times = [];
  for (let i = 0; i < 11; i++) {
    const t = performance.now();
    await mjml2html(stage1, { validationLevel: 'strict', keepComments: false, ignoreIncludes: true, fonts: {} });
    times.push(performance.now() - t);
  }
  console.log(`mjml2html of the example digest: first ${times[0].toFixed(0)} ms, then median ${median(times.slice(1)).toFixed(1)} ms`);
  const renders = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await renderDigest(config, content);
    renders.push(performance.now() - t);
  }
  const digest = await renderDigest(config, content);
  console.log(`renderDigest (templates + Handlebars + MJML, warm): median ${median(renders).toFixed(1)} ms`);

  let t = performance.now();
  const fill = personalize(digest);
  console.log(`personalize: compile once ${(performance.now() - t).toFixed(1)} ms`);
  t = performance.now();
  let bytes = 0;
  for (let i = 0; i < recipients; i++) {
    const r = { email: `reader${i}@example.org`, name: `Reader ${i}`, unsubscribeUrl: `${config.site.url}unsubscribe/token-${i}`, viewUrl: `${config.site.url}issues/1/` };
    bytes += fill(r).html.length;
  }
  const ms = performance.now() - t;
  console.log(`personalize ${recipients} recipients: ${ms.toFixed(0)} ms, ${((ms * 1000) / recipients).toFixed(1)} µs each`);
  // What send does: the same, with the bodies quoted-printable, most lines encoded once for everybody.
  const encoded = encodedPersonalizer(digest);
  t = performance.now();
  for (let i = 0; i < recipients; i++) {
    const r = { email: `reader${i}@example.org`, name: `Reader ${i}`, unsubscribeUrl: `${config.site.url}unsubscribe/token-${i}`, viewUrl: `${config.site.url}issues/1/` };
    bytes += encoded(r).html.reduce((n, b) => n + b.length, 0);
  }
  const encodedMs = performance.now() - t;
  console.log(`personalize and encode ${recipients} recipients (as send does): ${encodedMs.toFixed(0)} ms, ${((encodedMs * 1000) / recipients).toFixed(1)} µs each`);
  const html = fill({ email: 'a@example.org', unsubscribeUrl: `${config.site.url}unsubscribe/`, viewUrl: config.site.url }).html;
  console.log(`example digest HTML: ${Buffer.byteLength(html)} bytes (digest.maxBytes ${config.digest.maxBytes})`);
  return { bytes };
}

if (import.meta.url === `file://${process.argv[1]}`) await runDigestBench();
