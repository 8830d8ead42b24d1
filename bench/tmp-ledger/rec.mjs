import os from 'node:os'; import path from 'node:path'; import { mkdtempSync } from 'node:fs';
const { openStore } = await import('/work/wt/ledger/dist/store/open.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'rec-'));
const N = 10000;
const thread = process.argv[2] === '1';
const store = await openStore(dir, { thread });
await store.addSubscribers(Array.from({ length: N }, (_, i) => ({ email: `r${i}@example.org` })), new Date(), { resubscribe: false });
await store.createIssue({ number: 1, subject: 'S', preheader: 'P', html: 'H', text: 'T', entrySlugs: ['a'], covered: ['a'], createdAt: new Date() });
await store.enqueue(1, new Date());
const due = await store.dueDeliveries(1);
const cpu = () => { const c = process.cpuUsage(); return c.user + c.system; };
const t = cpu(), t0 = performance.now();
let prev;
for (const d of due) { await store.record(1, { outcomes: prev ? [{ subscriberId: prev, state: 'accepted', reply: '250 ok', attempted: true }] : [], claims: [{ subscriberId: d.subscriberId, messageId: '<x@y>' }] }, new Date()); prev = d.subscriberId; }
console.log(`thread=${thread}: process CPU per record ${((cpu() - t) / N).toFixed(1)} µs, wall ${((performance.now() - t0) * 1000 / N).toFixed(1)} µs`);
await store.close();
