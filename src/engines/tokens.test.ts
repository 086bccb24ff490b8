import { describe, expect, it } from 'vitest';
import { tokenFromLoginBody } from './tokens.js';

describe('tokenFromLoginBody', () => {
  it('finds the access token under the usual names', () => {
    expect(tokenFromLoginBody({ accessToken: 'a', refreshToken: 'r' })).toBe('a');
    expect(tokenFromLoginBody({ access_token: 'b' })).toBe('b');
    expect(tokenFromLoginBody({ token: 'c' })).toBe('c');
    expect(tokenFromLoginBody({ accessToken: '' })).toBeUndefined();
    expect(tokenFromLoginBody('x')).toBeUndefined();
    expect(tokenFromLoginBody(null)).toBeUndefined();
  });
});
