import { createSigner, createVerifier } from 'fast-jwt';

export const ACCESS_TOKEN_TTL_MS = 15 * 60 * 1000;
export const REFRESH_TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export type TokenType = 'access' | 'refresh';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

export class InvalidTokenError extends Error {}

export interface TokenService {
  issue(userId: number): TokenPair;
  /** Returns the user id of a valid token of the given type, or throws InvalidTokenError. */
  verify(token: string, type: TokenType): number;
}

interface Claims {
  sub?: unknown;
  typ?: unknown;
}

export function createTokenService(secret: string): TokenService {
  const signAccess = createSigner({ key: secret, algorithm: 'HS256', expiresIn: ACCESS_TOKEN_TTL_MS });
  const signRefresh = createSigner({ key: secret, algorithm: 'HS256', expiresIn: REFRESH_TOKEN_TTL_MS });
  // Verified tokens are cached by fast-jwt (keyed by the token, bounded, honouring expiry).
  const verifier = createVerifier({ key: secret, algorithms: ['HS256'], cache: 10_000 });
  return {
    issue(userId) {
      const sub = String(userId);
      return { accessToken: signAccess({ sub, typ: 'access' }), refreshToken: signRefresh({ sub, typ: 'refresh' }) };
    },
    verify(token, type) {
      let claims: Claims;
      try {
        claims = verifier(token) as Claims;
      } catch (error) {
        throw new InvalidTokenError((error as Error).message);
      }
      if (claims.typ !== type) throw new InvalidTokenError(`not an ${type} token`);
      const userId = typeof claims.sub === 'string' && /^\d+$/.test(claims.sub) ? Number(claims.sub) : NaN;
      if (!Number.isSafeInteger(userId) || userId < 1) throw new InvalidTokenError('token subject is not a user id');
      return userId;
    },
  };
}
