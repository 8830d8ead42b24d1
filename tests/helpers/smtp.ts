import type { AddressInfo, Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface Received {
  to: string[];
  /** The envelope sender (MAIL FROM). */
  from: string;
  raw: Buffer;
}

export interface SmtpBehaviour {
  /** With it, the server asks for AUTH (PLAIN or LOGIN, over plain TCP); an error refuses the login. */
  onAuth?(username: string, password: string): Error | undefined;
  /** Reply to a new connection: an error refuses it. */
  onConnect?(session: SMTPServerSession, index: number): Error | undefined;
  /** Reply to MAIL FROM (the envelope sender): an error refuses it. */
  onMailFrom?(address: string, session: SMTPServerSession): Error | undefined;
  onRcpt?(address: string, session: SMTPServerSession): Error | undefined;
  /** Runs once the message is read; may delay, destroy the socket, or return an error reply. */
  afterData?(received: Received, session: SMTPServerSession, index: number): Promise<AfterData> | AfterData;
}

/** 'hang' never answers and does not keep the message; 'silent' keeps it (it is delivered) and never answers. */
export type AfterData = Error | undefined | 'drop' | 'hang' | 'silent';

export interface Smtp {
  url: string;
  port: number;
  received: Received[];
  connections: number;
  /** Accepted messages per recipient address. */
  countsByRecipient(): Map<string, number>;
  parsed(): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

/** Every line of a header as the message holds it, name and folds included. */
export function headerLines(mail: ParsedMail, name: string): string[] {
  return mail.headerLines.filter((h) => h.key === name.toLowerCase()).map((h) => h.line);
}

/** The value of a header, unfolded; throws when the message has none. */
export function headerValue(mail: ParsedMail, name: string): string {
  const [line] = headerLines(mail, name);
  if (line === undefined) throw new Error(`no ${name} header`);
  return line.slice(line.indexOf(':') + 1).replace(/\r?\n\s+/g, ' ').trim();
}

/** An SMTP reply with this code, for a behaviour to return. */
export function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** A real SMTP server on 127.0.0.1, port 0, that keeps every message it accepts. */
export async function startSmtp(behaviour: SmtpBehaviour = {}): Promise<Smtp> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let dataCount = 0;
  const { onAuth } = behaviour;
  const server = new SMTPServer({
    logger: false,
    closeTimeout: 200,
    ...(onAuth
      ? {
          authMethods: ['PLAIN', 'LOGIN'],
          allowInsecureAuth: true,
          disabledCommands: ['STARTTLS'],
          onAuth(auth, _session, cb) {
            const err = onAuth(auth.username ?? '', auth.password ?? '');
            if (err) cb(err);
            else cb(null, { user: auth.username });
          },
        }
      : { authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'] }),
    onConnect(session, cb) {
      const err = behaviour.onConnect?.(session, connections++);
      cb(err ?? undefined);
    },
    onMailFrom(address, session, cb) {
      const err = behaviour.onMailFrom?.(address.address, session);
      cb(err ?? undefined);
    },
    onRcptTo(address, session, cb) {
      const err = behaviour.onRcpt?.(address.address, session);
      cb(err ?? undefined);
    },
    onData(stream: SMTPServerDataStream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const mailFrom = session.envelope.mailFrom;
        const msg: Received = { to: session.envelope.rcptTo.map((r) => r.address), from: mailFrom ? mailFrom.address : '', raw: Buffer.concat(chunks) };
        const verdict = await behaviour.afterData?.(msg, session, dataCount++);
        if (verdict === 'hang') return;
        if (verdict === 'silent') {
          received.push(msg);
          return;
        }
        if (verdict === 'drop') {
          for (const s of sockets) if ((s.remotePort ?? 0) === session.remotePort) s.destroy();
          return;
        }
        if (verdict instanceof Error) return cb(verdict);
        received.push(msg);
        cb(null, 'Ok: queued');
      });
    },
  });
  // A client killed mid-message resets its connection: expected here, not a failure of the test run.
  server.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') throw e;
  });
  server.server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    get connections() {
      return connections;
    },
    countsByRecipient() {
      const m = new Map<string, number>();
      for (const r of received) for (const to of r.to) m.set(to, (m.get(to) ?? 0) + 1);
      return m;
    },
    parsed: () => Promise.all(received.map((r) => simpleParser(r.raw))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
