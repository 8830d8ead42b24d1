import type { Consent, Delivery, DeliveryState, JoinSource, LeaveReason, LeftStatus, StoredIssue, Subscriber, SubscriberStatus } from '../delivery/model.js';

/**
 * The rows both stores read, and the records made of them. SQLite hands
 * times back as ISO text, PostgreSQL as Dates: either becomes a Date.
 */
type Time = string | Date;

export interface ConsentRow {
  joined_at: Time;
  joined_via: JoinSource;
  joined_detail: string | null;
  confirmed_at: Time | null;
}
export interface SubscriberRow extends ConsentRow {
  id: number;
  email: string;
  name: string | null;
  status: SubscriberStatus;
  subscribed_at: Time | null;
  left_at: Time | null;
  left_via: LeaveReason | null;
  left_detail: string | null;
  confirm_window_at: Time | null;
  confirm_mails: number;
}
export interface IssueRow {
  number: number;
  subject: string;
  preheader: string;
  html: string;
  text: string;
  entry_slugs: string;
  created_at: Time;
  sent_at: Time | null;
}
export interface DeliveryRow extends ConsentRow {
  issue: number;
  subscriber: number;
  email: string;
  name: string | null;
  state: DeliveryState;
  message_id: string | null;
  attempts: number;
  last_reply: string | null;
  created_at: Time;
  updated_at: Time;
}
export const iso = (d: Date) => d.toISOString();

export function toConsent(r: ConsentRow): Consent {
  return {
    joinedAt: new Date(r.joined_at),
    joinedVia: r.joined_via,
    ...(r.joined_detail !== null ? { joinedDetail: r.joined_detail } : {}),
    ...(r.confirmed_at !== null ? { confirmedAt: new Date(r.confirmed_at) } : {}),
  };
}

export function toSubscriber(r: SubscriberRow): Subscriber {
  return {
    id: r.id,
    email: r.email,
    ...(r.name !== null ? { name: r.name } : {}),
    status: r.status,
    ...toConsent(r),
    ...(r.subscribed_at !== null ? { subscribedAt: new Date(r.subscribed_at) } : {}),
    ...(r.left_at !== null ? { leftAt: new Date(r.left_at) } : {}),
    ...(r.left_via !== null ? { leftVia: r.left_via } : {}),
    ...(r.left_detail !== null ? { leftDetail: r.left_detail } : {}),
  };
}

export function toIssue(r: IssueRow): StoredIssue {
  return {
    number: r.number,
    subject: r.subject,
    preheader: r.preheader,
    html: r.html,
    text: r.text,
    entrySlugs: JSON.parse(r.entry_slugs) as string[],
    createdAt: new Date(r.created_at),
    ...(r.sent_at !== null ? { sentAt: new Date(r.sent_at) } : {}),
  };
}

export function toDelivery(r: DeliveryRow): Delivery {
  return {
    issue: r.issue,
    subscriberId: r.subscriber,
    email: r.email,
    ...(r.name !== null ? { name: r.name } : {}),
    consent: toConsent(r),
    state: r.state,
    ...(r.message_id !== null ? { messageId: r.message_id } : {}),
    attempts: r.attempts,
    ...(r.last_reply !== null ? { lastReply: r.last_reply } : {}),
    openedAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

export const DELIVERY_SELECT = `
  SELECT d.issue, d.subscriber, s.email, s.name, s.joined_at, s.joined_via, s.joined_detail, s.confirmed_at,
         d.state, d.message_id, d.attempts, d.last_reply, d.created_at, d.updated_at
  FROM deliveries d JOIN subscribers s ON s.id = d.subscriber`;

/** Statuses a reader's own request to leave (or a bounce) can end: the mailed one, and one waiting for confirmation. */
export const ACTIVE = `('subscribed', 'pending')`;

/** How an address with each left status left, as far as an import can tell, and what an add or import that leaves it so reports. */
export const LEFT: Record<LeftStatus, [LeaveReason, 'kept-unsubscribed' | 'kept-bounced' | 'kept-complained']> = {
  unsubscribed: ['unrecorded', 'kept-unsubscribed'],
  bounced: ['bounce', 'kept-bounced'],
  complained: ['complaint', 'kept-complained'],
};
