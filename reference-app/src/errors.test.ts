import { describe, expect, it } from 'vitest';
import { HttpError, errorReply } from './errors.js';

describe('errorReply', () => {
  it('passes client errors through with their message', () => {
    expect(errorReply(new HttpError(404, 'product 9 not found'))).toEqual({
      statusCode: 404,
      body: { statusCode: 404, error: 'Not Found', message: 'product 9 not found' },
    });
  });

  it('keeps fastify error codes of client errors', () => {
    const validation = Object.assign(new Error('body/email must match format "email"'), { statusCode: 400, code: 'FST_ERR_VALIDATION' });
    expect(errorReply(validation).body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'body/email must match format "email"',
      code: 'FST_ERR_VALIDATION',
    });
  });

  it('hides the message, stack and code of server errors', () => {
    const failure = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const reply = errorReply(failure);
    expect(reply).toEqual({ statusCode: 500, body: { statusCode: 500, error: 'Internal Server Error', message: 'internal server error' } });
    expect(JSON.stringify(reply)).not.toContain('5432');
  });

  it('treats non-errors and out-of-range statuses as internal errors', () => {
    expect(errorReply('boom').statusCode).toBe(500);
    expect(errorReply(null).statusCode).toBe(500);
    expect(errorReply({ statusCode: 200, message: 'odd' }).statusCode).toBe(500);
  });

  it('names rate limiting and unavailability', () => {
    expect(errorReply(Object.assign(new Error('Rate limit exceeded, retry in 1 minute'), { statusCode: 429 })).body.error).toBe('Too Many Requests');
    expect(errorReply({ statusCode: 503, message: 'pool closed' }).body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'service unavailable',
    });
  });
});
