/**
 * Who is calling. `Authorization: Bearer <key>` (HTTP header, or `authorization` in a graphql-ws
 * `connection_init` payload) carries an API key or, behind a router, a JWT it forwards. Without
 * credentials, a development server with no keys and no JWT settings serves a single `dev` account
 * to loopback callers only; everything else is UNAUTHENTICATED.
 */
import { isIP } from 'node:net';
import {
  createRemoteJWKSet,
  importSPKI,
  jwtVerify,
  type CryptoKey,
  type JWTVerifyGetKey,
} from 'jose';
import type { Account } from '../domain.js';
import { ErrorCode, ServiceError } from '../errors.js';
import type { ApiKeyRepository } from '../infra/store/api-keys.js';
import { verifyApiKey } from './api-keys.js';
import { SCOPES, isScope } from './scopes.js';
import type { KeyLookup } from './verified-keys.js';

export interface JwtSettings {
  issuer: string;
  audience: string;
  /** Keys from a JWKS endpoint (the router's or the identity provider's)… */
  jwksUrl?: string;
  /** …or one PEM public key (RS256/ES256). */
  publicKeyPem?: string;
  /** Claim naming the account; `sub` by default. */
  accountClaim: string;
  /** Accept tokens without `exp` (they never expire); off unless JWT_ALLOW_WITHOUT_EXP says so. */
  allowWithoutExp?: boolean;
}

export interface AuthenticationRequest {
  /** The `Authorization` header value or the connection_init `authorization` field. */
  authorization?: string;
  /** The caller's address, for the loopback-only development account. */
  remoteAddress?: string;
}

export const DEV_ACCOUNT_ID = 'dev';

const BEARER = /^Bearer\s+(\S+)$/i;

/** The credential of an `Authorization: Bearer <credential>` value, if it is one. */
export const bearerCredential = (authorization: string | undefined) =>
  BEARER.exec(authorization?.trim() ?? '')?.[1];

function credentialKind(authorization: string | undefined): RejectedAuthentication['credential'] {
  const credential = bearerCredential(authorization);
  if (!authorization?.trim()) return 'none';
  if (!credential) return 'malformed';
  return credential.startsWith('ais_') ? 'api-key' : 'jwt';
}

function unauthenticated(message: string): ServiceError {
  return new ServiceError(ErrorCode.UNAUTHENTICATED, message);
}

/** What is known of a refused caller: the reason and its address, never the credential. */
export interface RejectedAuthentication {
  reason: string;
  remoteAddress?: string;
  /** Which kind of credential was offered, if any. */
  credential: 'none' | 'malformed' | 'api-key' | 'jwt';
}

/** 127.0.0.0/8, ::1, and IPv4-mapped loopback. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || (isIP(plain) === 4 && plain.startsWith('127.'));
}

/** How often a key's `last_used_at` is written, at most (per key and replica). */
export const KEY_USE_RECORDED_EVERY_MS = 60_000;

export class Authenticator {
  private jwtKey: JWTVerifyGetKey | CryptoKey | undefined;
  private devCheckedAt = 0;
  private devAllowed = false;
  /** When this replica last wrote each key's `last_used_at`. */
  private readonly useRecordedAt = new Map<string, number>();

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly settings: {
      production: boolean;
      jwt?: JwtSettings;
      /** Where keys are found by prefix, when not in `keys` itself: a VerifiedKeyCache. */
      lookup?: KeyLookup;
    },
    /** Told of every refusal, so that guessing at keys shows up in the logs. */
    private readonly onRejected: (rejection: RejectedAuthentication) => void = () => undefined,
  ) {}

  /** Whether any way to authenticate exists: a usable API key or JWT settings. */
  async hasCredentialsConfigured(): Promise<boolean> {
    return Boolean(this.settings.jwt) || (await this.keys.anyUsable());
  }

  /**
   * The development account is offered only while nothing else can authenticate; creating the
   * first key ends it (checked at most every two seconds, not per request).
   */
  async developmentAccountAvailable(): Promise<boolean> {
    if (this.settings.production) return false;
    if (Date.now() - this.devCheckedAt > 2_000) {
      this.devAllowed = !(await this.hasCredentialsConfigured());
      this.devCheckedAt = Date.now();
    }
    return this.devAllowed;
  }

  async authenticate(request: AuthenticationRequest): Promise<Account> {
    try {
      return await this.identify(request);
    } catch (error) {
      // A refusal, not an outage: a store that cannot be reached says nothing about the credentials.
      if (ServiceError.isInstance(error) && error.code === ErrorCode.UNAUTHENTICATED)
        this.onRejected({
          reason: error.message,
          remoteAddress: request.remoteAddress,
          credential: credentialKind(request.authorization),
        });
      throw error;
    }
  }

  private async identify(request: AuthenticationRequest): Promise<Account> {
    const header = request.authorization?.trim();
    if (!header) {
      if ((await this.developmentAccountAvailable()) && isLoopback(request.remoteAddress))
        return { id: DEV_ACCOUNT_ID, scopes: new Set(SCOPES) };
      throw unauthenticated('send credentials: Authorization: Bearer <API key>');
    }
    const match = BEARER.exec(header);
    if (!match)
      throw unauthenticated('the Authorization header must be "Bearer <API key or token>"');
    const credential = match[1]!;
    if (credential.startsWith('ais_')) {
      const check = await verifyApiKey(this.settings.lookup ?? this.keys, credential);
      if (!check.ok)
        throw unauthenticated(
          check.reason === 'revoked'
            ? 'this API key was revoked'
            : check.reason === 'expired'
              ? 'this API key has expired'
              : 'this API key is not valid',
        );
      this.recordUse(check.keyId);
      return { id: check.accountId, scopes: new Set(check.scopes) };
    }
    if (this.settings.jwt) return this.verifyJwt(credential, this.settings.jwt);
    throw unauthenticated('this API key is not valid');
  }

  /**
   * `last_used_at` says when a key was last used, to the minute: writing it on every request
   * would add a statement to each one (every draft, every routing call, every subscription).
   */
  private recordUse(keyId: string): void {
    const now = Date.now();
    if (now - (this.useRecordedAt.get(keyId) ?? -Infinity) < KEY_USE_RECORDED_EVERY_MS) return;
    this.useRecordedAt.set(keyId, now);
    void this.keys.touch(keyId).catch(() => this.useRecordedAt.delete(keyId));
  }

  private async verifyJwt(token: string, jwt: JwtSettings): Promise<Account> {
    this.jwtKey ??= jwt.jwksUrl
      ? createRemoteJWKSet(new URL(jwt.jwksUrl))
      : await importSPKI(jwt.publicKeyPem!, 'RS256');
    try {
      const options = { issuer: jwt.issuer, audience: jwt.audience };
      const { payload } =
        typeof this.jwtKey === 'function'
          ? await jwtVerify(token, this.jwtKey, options)
          : await jwtVerify(token, this.jwtKey, options);
      if (payload.exp === undefined && !jwt.allowWithoutExp)
        throw unauthenticated('the token has no expiry ("exp" claim); tokens must expire');
      const account = payload[jwt.accountClaim];
      if (typeof account !== 'string' || account === '')
        throw unauthenticated(`the token has no "${jwt.accountClaim}" claim`);
      const raw = payload.scope ?? payload.scopes;
      const scopes = (
        typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw : []
      ).filter((scope): scope is string => typeof scope === 'string' && isScope(scope));
      return { id: account, scopes: new Set(scopes) };
    } catch (error) {
      if (ServiceError.isInstance(error)) throw error;
      throw unauthenticated('the token is not valid');
    }
  }
}
