import type { Config } from '../config/load.js';
import { isBounceAddress } from '../delivery/verp.js';
import { sender, unsubscribeAddress } from '../email/message.js';

/** The addresses the list receives mail at, as `broadsheet inbound` accepts them. */
export interface ListAddresses {
  /** Bounce and feedback reports: the VERP addresses of `email.returnPath` and its bare form; without one, the From address. */
  isBounce(address: string): boolean;
  /** The `mailto:` of List-Unsubscribe, also with `+anything` before the @. */
  isUnsubscribe(address: string): boolean;
  accepts(address: string): boolean;
}

export function listAddresses(config: Config): ListAddresses {
  const returnPath = config.email?.returnPath;
  const from = sender(config).address.toLowerCase();
  const unsubscribe = unsubscribeAddress(config).toLowerCase();
  const at = unsubscribe.lastIndexOf('@');
  const local = unsubscribe.slice(0, at);
  const domain = unsubscribe.slice(at);
  const isBounce = (a: string) => (returnPath ? isBounceAddress(returnPath, a) : a.toLowerCase() === from);
  const isUnsubscribe = (a: string) => {
    const x = a.toLowerCase();
    return x === unsubscribe || (x.startsWith(`${local}+`) && x.endsWith(domain));
  };
  return { isBounce, isUnsubscribe, accepts: (a) => isBounce(a) || isUnsubscribe(a) };
}
