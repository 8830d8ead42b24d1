import { readFileSync } from 'node:fs';
import path from 'node:path';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
export const BOUNCES = 'bounces@example.test';

/**
 * A report fixture (fixtures/README.md) with its placeholders filled in for
 * the message `reader` was really sent (its bytes, and its envelope sender),
 * with CRLF line ends as SMTP carries it.
 */
export function fillFixture(fixture: string, reader: { email: string }, sent: { raw: Buffer; from: string }): string {
  const original = sent.raw.toString('utf8').replace(/\r\n/g, '\n');
  const headers = original.slice(0, original.indexOf('\n\n'));
  const messageId = /^Message-ID: (.*)$/im.exec(headers)![1]!;
  const text = readFileSync(path.join(FIXTURES, fixture), 'utf8')
    .replaceAll('{{ORIGINAL_HEADERS}}', headers)
    .replaceAll('{{ORIGINAL_REDACTED}}', original.replace(/^To: .*$/m, 'To: redacted@yahoo.example'))
    .replaceAll('{{ORIGINAL}}', original)
    .replaceAll('{{MESSAGE_ID}}', messageId)
    .replaceAll('{{VERP}}', sent.from)
    .replaceAll('{{BOUNCES}}', BOUNCES)
    .replaceAll('{{RCPT_LOCAL}}', reader.email.split('@')[0]!)
    .replaceAll('{{RCPT}}', reader.email);
  if (text.includes('{{')) throw new Error(`${fixture}: a placeholder is left`);
  return text.replace(/\r?\n/g, '\r\n');
}
