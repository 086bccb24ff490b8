/** Maps any error thrown while serving a request to what the client may see: never a stack trace. */

export interface ErrorReply {
  statusCode: number;
  body: { statusCode: number; error: string; message: string; code?: string };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

interface ErrorLike {
  statusCode?: unknown;
  message?: unknown;
  code?: unknown;
}

/** An error whose status and message are meant for the client. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function errorReply(error: unknown): ErrorReply {
  const candidate = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const rawStatus = typeof candidate.statusCode === 'number' ? candidate.statusCode : 500;
  const statusCode = rawStatus >= 400 && rawStatus <= 599 ? rawStatus : 500;
  const error4xx = statusCode < 500;
  // Messages of client errors describe the request (validation names the field); server errors
  // could reveal internals, so they get a generic message.
  const message =
    error4xx && typeof candidate.message === 'string' && candidate.message !== ''
      ? candidate.message
      : statusCode === 503
        ? 'service unavailable'
        : 'internal server error';
  const body: ErrorReply['body'] = { statusCode, error: REASONS[statusCode] ?? (error4xx ? 'Client Error' : 'Server Error'), message };
  if (error4xx && typeof candidate.code === 'string' && candidate.code.startsWith('FST_')) body.code = candidate.code;
  return { statusCode, body };
}
