import { BerthError } from '../errors.ts';
import type { AuthFailureLimiter } from './auth-failure-limiter.ts';
import type { Principal, TokenRegistry } from './token-registry.ts';

/** The principal of a request's credential (undefined secret → 401), with failed attempts rate-limited. */
export async function principalFor(ctx: { limiter: AuthFailureLimiter; tokens: TokenRegistry }, address: string, secret: string | undefined): Promise<Principal> {
  const wait = ctx.limiter.retryAfter(address);
  if (wait > 0) {
    throw new BerthError('BERTH_E_RATE_LIMITED', `too many failed token attempts from ${address}; try again in ${wait} s`, {
      problems: [{ path: 'Authorization', message: 'rate limited', fix: `wait ${wait} seconds and use a valid token` }],
      details: { retry_after: wait },
    });
  }
  if (secret === undefined) {
    throw new BerthError('BERTH_E_UNAUTHORIZED', 'this route needs a token', {
      problems: [{ path: 'Authorization', message: 'missing', fix: 'send "Authorization: Bearer <token>" (see `berth token create`)' }],
    });
  }
  const principal = await ctx.tokens.verify(secret);
  if (principal) return principal;
  ctx.limiter.fail(address);
  throw new BerthError('BERTH_E_UNAUTHORIZED', 'the token is unknown or revoked', {
    problems: [{ path: 'Authorization', message: 'invalid token', fix: 'use a current token (see `berth token list`)' }],
  });
}
