/**
 * What one subscriber may hold (issue 14): every open subscription pins a reader, its pending
 * events and a place in its socket's send buffer, so their number is capped per websocket and per
 * account, and a websocket whose client stopped reading is closed once its unsent backlog passes a
 * bound. The account cap counts this process's subscriptions: memory is a process's own, and a
 * replica that died takes its counts with it instead of leaving them to expire.
 */
import { rateLimited, type RateRule } from '../security/limits/index.js';

export interface SubscriptionLimitSettings {
  /** Open subscriptions on one websocket; 0 is unlimited. */
  perSocket: number;
  /** Open subscriptions of one account in this process; 0 is unlimited. */
  perAccount: number;
  /** Bytes queued unsent on a websocket beyond which its client counts as gone. */
  maxBufferedBytes: number;
}

export class SubscriptionLimits {
  private readonly perSocket = new WeakMap<object, number>();
  private readonly perAccount = new Map<string, number>();

  constructor(readonly settings: SubscriptionLimitSettings) {}

  /**
   * Takes a place for one more subscription of `accountId` on `socket`, or throws RATE_LIMITED
   * naming the cap it would pass. Returns the release, which may be called any number of times.
   */
  take(socket: object, accountId: string): () => void {
    const { perSocket, perAccount } = this.settings;
    const onSocket = this.perSocket.get(socket) ?? 0;
    const ofAccount = this.perAccount.get(accountId) ?? 0;
    if (perSocket > 0 && onSocket >= perSocket)
      throw refusal('subscriptionsPerSocket', perSocket, 'one connection');
    if (perAccount > 0 && ofAccount >= perAccount)
      throw refusal('subscriptionsPerAccount', perAccount, 'this account');
    this.perSocket.set(socket, onSocket + 1);
    this.perAccount.set(accountId, ofAccount + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.perSocket.set(socket, (this.perSocket.get(socket) ?? 1) - 1);
      const remaining = (this.perAccount.get(accountId) ?? 1) - 1;
      if (remaining > 0) this.perAccount.set(accountId, remaining);
      else this.perAccount.delete(accountId);
    };
  }
}

function refusal(rule: RateRule, limit: number, holder: string) {
  return rateLimited(
    rule,
    limit,
    1000,
    `too many subscriptions: ${holder} may hold ${limit} open at once; complete one first`,
  );
}
