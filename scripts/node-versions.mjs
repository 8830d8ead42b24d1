// Says which Node version a CI run proves (the one it runs on; a CI matrix
// runs .ci/run once per version), and fails when that version is not one
// package.json's `engines` promises: a proof on a version nobody is promised
// proves nothing. engines.node is ">=x.y.z", the lowest version every runtime
// dependency accepts (tests/deploy/node.test.ts checks that).
import { readFileSync } from 'node:fs';

const range = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines.node;
const min = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(range);
if (!min) throw new Error(`engines.node must be ">=x.y.z", not "${range}"`);
const have = process.versions.node.split('.').map(Number);
const want = min.slice(1).map(Number);
const cmp = have.map((n, i) => n - want[i]).find((d) => d !== 0) ?? 0;
console.log(`node: this run proves Node ${process.version}; package.json promises ${range}`);
if (cmp < 0) {
  console.error(`node: ${process.version} is older than ${range}`);
  process.exit(1);
}
