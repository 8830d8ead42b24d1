import path from 'node:path';
const dist = (p) => path.join('/work/wt/ledger/dist', p);
const { loadConfig } = await import(dist('config/load.js'));
const { loadSite } = await import(dist('content/load.js'));
const { nextIssue, renderIssue } = await import(dist('pipeline/next-issue.js'));
const { personalize } = await import(dist('email/digest.js'));
const { systemClock } = await import(dist('clock.js'));
const config = await loadConfig('/work/wt/ledger/broadsheet.config.yaml');
const plan = await nextIssue(await loadSite(config, systemClock), undefined);
const issue = await renderIssue(config, plan, systemClock);
const fill = personalize(issue);
const N = 5000;
const re = /[\x00-\x08\x0b\x0c\x0e-\x1f\u0080-\uFFFF]/;
const cpu = () => { const c = process.cpuUsage(); return c.user + c.system; };
for (let round = 0; round < 3; round++) {
  let t = cpu(); const outs = [];
  for (let i = 0; i < N; i++) outs.push(fill({ email: `r${i}@example.org`, name: `Reader ${i}`, unsubscribeUrl: `https://x.example/unsubscribe/${'a'.repeat(60)}${i}`, viewUrl: 'https://x.example/issues/1/' }));
  const tFill = (cpu() - t) / N;
  t = cpu(); for (const o of outs) { re.test(o.html); re.test(o.text); } const tFlat = (cpu() - t) / N;
  const parts = issue.html.split(/(?=<)/); 
  t = cpu(); const joined = []; for (let i = 0; i < N; i++) joined.push({ html: parts.join(''), text: issue.text + i }); const tJoin = (cpu() - t) / N;
  t = cpu(); for (const o of joined) { re.test(o.html); re.test(o.text); } const tJoinScan = (cpu() - t) / N;
  console.log(`fill ${tFill.toFixed(1)} µs, first scan (flatten) ${tFlat.toFixed(1)} µs; join of ${parts.length} parts ${tJoin.toFixed(1)} µs, its scan ${tJoinScan.toFixed(1)} µs`);
}
