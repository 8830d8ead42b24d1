import path from 'node:path';
const dist = (p) => path.join('/work/wt/ledger/dist', p);
const { loadConfig } = await import(dist('config/load.js'));
const { loadSite } = await import(dist('content/load.js'));
const { nextIssue, renderIssue } = await import(dist('pipeline/next-issue.js'));
const { recipientLines } = await import(dist('email/placeholders.js'));
const { systemClock } = await import(dist('clock.js'));
const config = await loadConfig('/work/wt/ledger/broadsheet.config.yaml');
const plan = await nextIssue(await loadSite(config, systemClock), undefined);
const issue = await renderIssue(config, plan, systemClock);
for (const k of ['html', 'text']) {
  const lines = issue[k].split('\n');
  const r = recipientLines(issue[k]);
  console.log(k, 'lines', lines.length, 'ranges', JSON.stringify(r), 'dynamic chars', r.reduce((n, [a, b]) => n + lines.slice(a, b + 1).join('\n').length, 0), 'total', issue[k].length);
}
