/**
 * What a delivery failure says about the address: `hard`, gone for good (the
 * subscriber becomes `bounced` at once), or `soft`, a failure that may pass
 * (the address is `bounced` only after `list.softBounceLimit` issues in a row).
 */
export type BounceClass = 'hard' | 'soft';

// Subjects of class 5 (RFC 3463) that are about the message or the sender, not the address:
// 5.2.2 mailbox full, 5.2.3 and 5.3.4 message too big, 5.7.x security or policy (a block of
// our server or of the content). Counting them as hard would empty the list over one spam
// filter's verdict on one issue.
const NOT_THE_ADDRESS = /^5\.(?:2\.[23]|3\.4|7\.\d{1,3})$/;
const POLICY_TEXT = /\b(?:spam|blocked|block ?list|blacklist|policy|reputation|rbl|dmarc|spf|dkim)\b/i;

/** The enhanced status code (RFC 3463) and the basic reply code of an SMTP reply or a DSN's diagnostic, when present. */
export function statusCodes(text: string): { enhanced?: string; basic?: number } {
  const enhanced = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(text)?.[1];
  const basic = /(?:^|[^\d.])([245]\d\d)(?=[ -]|$)/.exec(text)?.[1];
  return { ...(enhanced ? { enhanced } : {}), ...(basic ? { basic: Number(basic) } : {}) };
}

/**
 * RFC 3464: `Action: failed` with a 5.x.x status is permanent, a 4.x.x
 * status or `Action: delayed` is not. `status` is the DSN's Status field (or
 * the code found in the text); `diagnostic` the server's words, which tell a
 * policy block from an unknown address when the code does not.
 */
export function bounceClass(status: string | undefined, diagnostic = ''): BounceClass {
  const given = status && /^[245]\.\d{1,3}\.\d{1,3}$/.test(status) ? status : undefined;
  const codes = statusCodes(diagnostic);
  // A generic status (5.0.0) says less than a code of the same class in the server's own reply.
  const refined = given && /^\d\.0\.0$/.test(given) && codes.enhanced?.[0] === given[0] ? codes.enhanced : undefined;
  const enhanced = refined ?? given ?? codes.enhanced;
  if (enhanced) {
    if (!enhanced.startsWith('5')) return 'soft';
    if (NOT_THE_ADDRESS.test(enhanced)) return 'soft';
    // A generic 5.0.0 or 5.5.x with a server saying "spam" or "policy": a block, not an address.
    return /^5\.(?:0\.0|5\.\d+)$/.test(enhanced) && POLICY_TEXT.test(diagnostic) ? 'soft' : 'hard';
  }
  const basic = codes.basic;
  if (basic === undefined || basic < 500) return 'soft';
  // 552: storage exceeded (a full mailbox, or a message too big); 554 with a policy word: a block.
  if (basic === 552 || POLICY_TEXT.test(diagnostic)) return 'soft';
  return 'hard';
}
