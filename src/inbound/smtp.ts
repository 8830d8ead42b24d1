import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import { BroadsheetError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MailHandler } from './process.js';

export interface InboundServer {
  /** e.g. `smtp://127.0.0.1:2525`, with the port actually bound. */
  url: string;
  port: number;
  /** Stops taking connections; the mails being read are finished first. */
  close(): Promise<void>;
}

const smtpReply = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

/**
 * `broadsheet inbound`: an SMTP server (smtp-server, from the nodemailer
 * project) for the list's own addresses. Every other recipient is refused
 * at RCPT (550), and so is a message over `inbound.maxMessageBytes` (552).
 * A mail is answered 250 only once it has been applied or quarantined; if
 * the store fails, 451 tells the sending server to try again later, so no
 * report is lost.
 */
export async function startInbound(opts: { handler: MailHandler; host: string; port: number; maxMessageBytes: number; log: Logger }): Promise<InboundServer> {
  const { handler, log } = opts;
  const sockets = new Set<Socket>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: opts.maxMessageBytes,
    banner: 'broadsheet: bounces, complaints and unsubscribe requests only',
    logger: false,
    closeTimeout: 2000,
    onRcptTo(address, _session, cb) {
      if (handler.addresses.accepts(address.address)) return cb();
      log.warn('inbound recipient refused', { to: address.address });
      cb(smtpReply(550, '5.1.1 No such recipient here: this server takes the list\'s bounces and unsubscribe requests only'));
    },
    onData(stream: SMTPServerDataStream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (stream.sizeExceeded) return cb(smtpReply(552, `5.3.4 Message larger than ${opts.maxMessageBytes} bytes`));
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        handler.handle(Buffer.concat(chunks), recipients).then(
          (handled) => cb(null, `2.0.0 ${handled.outcome}`),
          (error: unknown) => {
            log.error('inbound mail not processed', { error: (error as Error)?.message ?? String(error) });
            cb(smtpReply(451, '4.3.0 Cannot process this mail now; try again later'));
          },
        );
      });
    },
  });
  server.server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    const refused = (cause: NodeJS.ErrnoException) => {
      const why = cause.code === 'EADDRINUSE' ? 'the port is in use' : cause.code === 'EACCES' ? 'permission denied' : cause.message;
      reject(new BroadsheetError('LISTEN_FAILED', `cannot receive mail on ${opts.host}:${opts.port}: ${why}; choose another with --port or inbound.port`, { cause }));
    };
    server.server.once('error', refused);
    server.listen(opts.port, opts.host, () => {
      server.server.off('error', refused);
      resolve();
    });
  });
  const address = server.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `smtp://${host}:${address.port}`;
  log.info('receiving mail', { url });
  return {
    url,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle connections would hold close() for closeTimeout.
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 500).unref();
      }),
  };
}
