import path from 'node:path';
import { simpleParser } from 'mailparser';
const dist = (p) => path.join('/work/wt/ledger/dist', p);
const { loadConfig } = await import(dist('config/load.js'));
const { loadSite } = await import(dist('content/load.js'));
const { nextIssue, renderIssue } = await import(dist('pipeline/next-issue.js'));
const { messageMaker } = await import(dist('delivery/messages.js'));
const { personalize } = await import(dist('email/digest.js'));
const { unsubscribeUrl } = await import(dist('delivery/messages.js'));
const { systemClock } = await import(dist('clock.js'));
const { publicUrls } = await import(dist('config/urls.js'));
const nodemailer = (await import('nodemailer')).default;
const config = await loadConfig('/work/wt/ledger/broadsheet.config.yaml');
const plan = await nextIssue(await loadSite(config, systemClock), undefined);
const issue = await renderIssue(config, plan, systemClock);
const secret = 'x'.repeat(40);
const make = messageMaker(config, issue, secret, systemClock);
const tr = nodemailer.createTransport({ streamTransport: true, buffer: true });
for (const to of [{ email: 'ann@example.org', name: 'Ann' }, { email: 'bo@example.org' }, { email: 'eve@example.org', name: '<b>"Eve" & ünïcödé 🎉' + 'x'.repeat(120) }]) {
  const { mail } = make(to);
  const info = await tr.sendMail(mail);
  const parsed = await simpleParser(info.message);
  const want = personalize(issue)({ ...to, unsubscribeUrl: unsubscribeUrl(config, secret, to.email), viewUrl: publicUrls(config).issue(issue.number) });
  const norm = (s) => s.replace(/\r\n/g, '\n');
  console.log(to.email, 'html equal', parsed.html === norm(want.html), 'text equal', parsed.text === norm(want.text), 'max line', Math.max(...info.message.toString().split('\r\n').map((l) => l.length)));
  if (parsed.html !== norm(want.html)) { const a = parsed.html, b = norm(want.html); let i = 0; while (a[i] === b[i]) i++; console.log(JSON.stringify(a.slice(i - 40, i + 40)), '\n', JSON.stringify(b.slice(i - 40, i + 40))); }
  if (parsed.text !== norm(want.text)) { const a = parsed.text, b = norm(want.text); let i = 0; while (a[i] === b[i]) i++; console.log(JSON.stringify(a.slice(i - 40, i + 40)), '\n', JSON.stringify(b.slice(i - 40, i + 40))); }
}
{
  const { mail } = make({ email: 'ann@example.org', name: 'Ann' });
  const raw = (await tr.sendMail(mail)).message.toString();
  const long = raw.split('\r\n').filter((l) => l.length > 76);
  console.log(long.map((l) => l.slice(0, 60) + '… (' + l.length + ')'));
  const t0 = performance.now(); for (let i = 0; i < 2000; i++) make({ email: `r${i}@example.org`, name: 'R' }); console.log('make µs', ((performance.now() - t0) * 1000 / 2000).toFixed(1));
  const t1 = process.cpuUsage(); for (let i = 0; i < 1000; i++) await tr.sendMail(make({ email: `r${i}@example.org`, name: 'R' }).mail); const d = process.cpuUsage(t1); console.log('make+compile µs', ((d.user + d.system) / 1000).toFixed(1));
}
