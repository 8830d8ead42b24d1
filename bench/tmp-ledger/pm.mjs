import { Worker } from 'node:worker_threads';
const w = new Worker(`const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage({ id: m.id, ok: true, result: [true] }));`, { eval: true });
const N = 20000;
const pending = new Map();
w.on('message', (m) => { pending.get(m.id)(); pending.delete(m.id); });
const cpu = () => { const c = process.cpuUsage(); return c.user + c.system; };
let id = 0;
const call = (args) => new Promise((r) => { pending.set(++id, r); w.postMessage({ id, method: 'record', args }); });
for (const lanes of [1, 5]) {
  const t = cpu(), t0 = performance.now();
  await Promise.all(Array.from({ length: lanes }, async () => { for (let i = 0; i < N / lanes; i++) await call([1, { outcomes: [{ subscriberId: i, state: 'accepted', reply: '250 2.0.0 Ok: queued as 12345', attempted: true }], claims: [{ subscriberId: i + 1, messageId: '<issue-1.0123456789abcdef01234567@example.com>' }] }, new Date()]); }));
  console.log(`lanes ${lanes}: process CPU per call ${((cpu() - t) / N).toFixed(1)} µs, wall ${((performance.now() - t0) * 1000 / N).toFixed(1)} µs`);
}
process.exit(0);
