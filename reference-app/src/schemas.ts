/** JSON schemas of every body, query and path parameter (fastify validates them with Ajv). */

export const MAX_PAGE_SIZE = 100;
export const MAX_ORDER_PAGE_SIZE = 50;
export const MAX_ORDER_LINES = 50;

export interface SignupBody {
  email: string;
  password: string;
  name: string;
}
export interface LoginBody {
  email: string;
  password: string;
}
export interface RefreshBody {
  refreshToken: string;
}
export interface PageQuery {
  page: number;
  limit: number;
}
export interface SearchQuery {
  q: string;
  limit: number;
}
export interface IdParams {
  id: number;
}
export interface OrderBody {
  items: { productId: number; quantity: number }[];
}

const email = { type: 'string', format: 'email', maxLength: 254 } as const;
const password = { type: 'string', minLength: 8, maxLength: 128 } as const;
const id = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;
const page = { type: 'integer', minimum: 1, maximum: 10_000, default: 1 } as const;

export const signup = {
  body: {
    type: 'object',
    required: ['email', 'password', 'name'],
    properties: { email, password, name: { type: 'string', minLength: 1, maxLength: 100 } },
  },
} as const;

export const login = {
  body: {
    type: 'object',
    required: ['email', 'password'],
    properties: { email, password: { type: 'string', minLength: 1, maxLength: 128 } },
  },
} as const;

export const refresh = {
  body: {
    type: 'object',
    required: ['refreshToken'],
    properties: { refreshToken: { type: 'string', minLength: 1, maxLength: 4096 } },
  },
} as const;

export const productList = {
  querystring: {
    type: 'object',
    properties: { page, limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 } },
  },
} as const;

export const productSearch = {
  querystring: {
    type: 'object',
    required: ['q'],
    properties: {
      q: { type: 'string', minLength: 1, maxLength: 200 },
      limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 },
    },
  },
} as const;

export const productById = {
  params: { type: 'object', required: ['id'], properties: { id } },
} as const;

export const orderList = {
  querystring: {
    type: 'object',
    properties: { page, limit: { type: 'integer', minimum: 1, maximum: MAX_ORDER_PAGE_SIZE, default: 10 } },
  },
} as const;

export const orderCreate = {
  body: {
    type: 'object',
    required: ['items'],
    properties: {
      items: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_ORDER_LINES,
        items: {
          type: 'object',
          required: ['productId', 'quantity'],
          properties: { productId: id, quantity: { type: 'integer', minimum: 1, maximum: 100 } },
        },
      },
    },
  },
} as const;
