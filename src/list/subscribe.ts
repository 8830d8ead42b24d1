import type { Config } from '../config/load.js';
import type { JoinRecord, SubscribeOutcome } from '../delivery/model.js';
import type { ConfirmationMailer, MailOutcome } from './mailer.js';
import type { SubscribePolicy, SubscribeStore } from './ports.js';

/** The config's share of confirmation mails per address, and whether this kind of request may bring back an address that left. */
export function subscribePolicy(config: Config, reopen: boolean): SubscribePolicy {
  return { reopen, confirmMails: config.list.confirmMails, windowMs: config.list.confirmWindowHours * 3_600_000 };
}

export interface JoinRequest {
  email: string;
  name?: string | undefined;
  join: JoinRecord;
  at: Date;
  /** A reader's own request (true) or an operator's import (false): see SubscribePolicy. */
  reopen: boolean;
}

/**
 * Double opt-in, step one: records the request and, when one is due, mails
 * the confirmation link. `mail` settles when the server has answered; the
 * subscribe page does not wait for it, so its answer takes the same time
 * whatever the address's status.
 */
export async function askToJoin(
  deps: { config: Config; store: SubscribeStore; mailer: ConfirmationMailer },
  r: JoinRequest,
): Promise<{ outcome: SubscribeOutcome; mail?: Promise<MailOutcome> }> {
  const { outcome, id } = await deps.store.requestSubscription(r.email, r.name, r.join, r.at, subscribePolicy(deps.config, r.reopen));
  if (outcome !== 'confirm') return { outcome };
  return { outcome, mail: deps.mailer.send({ id, email: r.email, name: r.name, requestedAt: r.at }) };
}
