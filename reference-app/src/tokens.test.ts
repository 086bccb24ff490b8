import { createSigner } from 'fast-jwt';
import { describe, expect, it } from 'vitest';
import { InvalidTokenError, createTokenService } from './tokens.js';

const secret = 'unit-test-secret-0123456789';

describe('token service', () => {
  const tokens = createTokenService(secret);

  it('issues an access and a refresh token for the user', () => {
    const pair = tokens.issue(17);
    expect(tokens.verify(pair.accessToken, 'access')).toBe(17);
    expect(tokens.verify(pair.refreshToken, 'refresh')).toBe(17);
  });

  it('does not accept one type of token for the other', () => {
    const pair = tokens.issue(3);
    expect(() => tokens.verify(pair.refreshToken, 'access')).toThrow(InvalidTokenError);
    expect(() => tokens.verify(pair.accessToken, 'refresh')).toThrow('not an refresh token');
  });

  it('rejects tokens signed with another secret, malformed or expired', () => {
    const other = createTokenService('another-secret-0123456789').issue(3);
    expect(() => tokens.verify(other.accessToken, 'access')).toThrow(InvalidTokenError);
    expect(() => tokens.verify('not.a.token', 'access')).toThrow(InvalidTokenError);
    const expired = createSigner({ key: secret, algorithm: 'HS256', clockTimestamp: Date.now() - 3_600_000, expiresIn: 1000 })({
      sub: '3',
      typ: 'access',
    });
    expect(() => tokens.verify(expired, 'access')).toThrow(InvalidTokenError);
  });

  it('rejects a subject that is not a user id', () => {
    const sign = createSigner({ key: secret, algorithm: 'HS256' });
    expect(() => tokens.verify(sign({ sub: 'admin', typ: 'access' }), 'access')).toThrow('token subject is not a user id');
    expect(() => tokens.verify(sign({ sub: '0', typ: 'access' }), 'access')).toThrow('token subject is not a user id');
  });
});
