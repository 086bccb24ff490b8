/**
 * What the seeder loads, as pure functions: argument parsing, row counts and the SQL expressions
 * that derive every row from its position in generate_series (no row-by-row round trips).
 */

export const SEED_PASSWORD = 'capacity';
export const DEFAULT_SEED_USERS = 1000;
export const MAX_SEED_USERS = 50_000_000;

export interface SeedArgs {
  users: number;
}

export class SeedArgsError extends Error {}

export function parseSeedArgs(argv: readonly string[]): SeedArgs {
  let users = DEFAULT_SEED_USERS;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    let value: string | undefined;
    if (arg === '--users') {
      value = argv[++i];
      if (value === undefined) throw new SeedArgsError('--users needs a number, e.g. --users 1000');
    } else if (arg.startsWith('--users=')) {
      value = arg.slice('--users='.length);
    } else {
      throw new SeedArgsError(`unknown argument "${arg}" (usage: seed.js [--users N])`);
    }
    if (!/^\d+$/.test(value)) throw new SeedArgsError(`--users must be a positive integer, got "${value}"`);
    users = Number(value);
    if (users < 1 || users > MAX_SEED_USERS) {
      throw new SeedArgsError(`--users must be between 1 and ${MAX_SEED_USERS}, got ${users}`);
    }
  }
  return { users };
}

export interface SeedCounts {
  users: number;
  products: number;
  orders: number;
  orderItems: number;
}

export const ORDERS_PER_USER = 2;
export const ITEMS_PER_ORDER = 2;

export function seedCounts(users: number): SeedCounts {
  const products = Math.max(100, Math.floor(users / 10));
  const orders = users * ORDERS_PER_USER;
  return { users, products, orders, orderItems: orders * ITEMS_PER_ORDER };
}

const ADJECTIVES = [
  'compact', 'sturdy', 'elegant', 'rustic', 'modern', 'classic', 'portable', 'durable', 'vintage', 'premium',
  'lightweight', 'foldable', 'ergonomic', 'waterproof', 'handmade', 'minimalist', 'cozy', 'sleek', 'bright', 'quiet',
  'rugged', 'smart', 'slim', 'colorful', 'heavy', 'soft', 'wireless', 'organic', 'industrial', 'retro',
];
const MATERIALS = [
  'steel', 'oak', 'bamboo', 'leather', 'cotton', 'wool', 'ceramic', 'glass', 'copper', 'aluminum',
  'walnut', 'linen', 'marble', 'silicone', 'canvas', 'granite', 'brass', 'velvet', 'cork', 'titanium',
];
const NOUNS: ReadonlyArray<readonly [string, string]> = [
  ['lamp', 'lighting'], ['chair', 'furniture'], ['table', 'furniture'], ['backpack', 'bags'], ['kettle', 'kitchen'],
  ['mug', 'kitchen'], ['blanket', 'home'], ['speaker', 'electronics'], ['headphones', 'electronics'], ['wallet', 'accessories'],
  ['watch', 'accessories'], ['notebook', 'stationery'], ['pen', 'stationery'], ['bottle', 'outdoor'], ['tent', 'outdoor'],
  ['jacket', 'clothing'], ['scarf', 'clothing'], ['shelf', 'furniture'], ['vase', 'home'], ['knife', 'kitchen'],
  ['pan', 'kitchen'], ['bicycle', 'sports'], ['helmet', 'sports'], ['keyboard', 'electronics'], ['clock', 'home'],
];
const USES = ['everyday use', 'travel', 'the office', 'the garden', 'gifts', 'camping', 'the kitchen', 'kids', 'studio work', 'winter'];

const sqlText = (value: string): string => `'${value.replace(/'/g, "''")}'`;
const sqlArray = (values: readonly string[]): string => `ARRAY[${values.map(sqlText).join(',')}]`;

/** Picks element ((index / stride) mod length) of a word list, 1-based as SQL arrays are. */
const pick = (values: readonly string[], indexExpr: string, stride: number): string =>
  `(${sqlArray(values)})[1 + ((${indexExpr} / ${stride}) % ${values.length})]`;

/** Price of product p in cents: a fixed function of its id so order rows can derive it without a join. */
export const priceCentsSql = (productExpr: string): string => `(199 + ((${productExpr}) * 7919) % 49800)`;
export const priceCents = (productId: number): number => 199 + ((productId * 7919) % 49800);

/** Product bought on line `line` (0 or 1) of order `order`: both lines differ while products >= 2. */
export const lineProductSql = (orderExpr: string, lineExpr: string, products: number): string =>
  `(1 + ((${orderExpr}) * 7 + (${lineExpr}) * ${Math.floor(products / 2)}) % ${products})`;
export const lineProduct = (order: number, line: number, products: number): number =>
  1 + ((order * 7 + line * Math.floor(products / 2)) % products);
export const lineQuantitySql = (orderExpr: string, lineExpr: string): string => `(1 + ((${orderExpr}) + (${lineExpr})) % 3)`;
export const lineQuantity = (order: number, line: number): number => 1 + ((order + line) % 3);

import {
  FOREIGN_KEYS,
  PRIMARY_KEYS,
  SECONDARY_INDEXES,
  TABLES,
  addForeignKeySql,
  addPrimaryKeySql,
  dropForeignKeySql,
  dropIndexSql,
  dropPrimaryKeySql,
  type TableName,
} from './schema.js';

export interface SeedStatement {
  label: string;
  sql: string;
  params: unknown[];
}

/** The INSERT ... SELECT FROM generate_series statements, in dependency order. */
export function seedInsertStatements(counts: SeedCounts, passwordHash: string): SeedStatement[] {
  const nouns = NOUNS.map(([noun]) => noun);
  const categories = NOUNS.map(([, category]) => category);
  const adjective = pick(ADJECTIVES, 'g', 1);
  const material = pick(MATERIALS, 'g', ADJECTIVES.length);
  const noun = pick(nouns, 'g', ADJECTIVES.length * MATERIALS.length);
  const category = pick(categories, 'g', ADJECTIVES.length * MATERIALS.length);
  const use = pick(USES, 'g', 7);
  const itemsTotal = [0, 1]
    .map((line) => `${lineQuantitySql('g', String(line))} * ${priceCentsSql(lineProductSql('g', String(line), counts.products))}`)
    .join(' + ');
  return [
    {
      label: 'users',
      sql: `INSERT INTO users (id, email, name, password_hash, created_at)
            SELECT g, 'user' || g || '@capacity.test', 'User ' || g, $2::text, now() - make_interval(secs => $1::bigint - g)
            FROM generate_series(1, $1::bigint) AS g`,
      params: [counts.users, passwordHash],
    },
    {
      label: 'products',
      sql: `INSERT INTO products (id, name, description, category, price_cents)
            SELECT g, initcap(${adjective} || ' ' || ${material} || ' ' || ${noun}),
                   'A ' || ${adjective} || ' ' || ${noun} || ' made of ' || ${material} || ', made for ' || ${use} || '.',
                   ${category}, ${priceCentsSql('g')}
            FROM generate_series(1, $1::bigint) AS g`,
      params: [counts.products],
    },
    {
      label: 'orders',
      // Order g belongs to user ceil(g / 2); newer orders have larger ids.
      sql: `INSERT INTO orders (id, user_id, status, total_cents, created_at)
            SELECT g, (g + 1) / 2, CASE WHEN g % 10 = 0 THEN 'shipped' ELSE 'placed' END, ${itemsTotal},
                   now() - make_interval(secs => ($1::bigint - g) * 10)
            FROM generate_series(1, $1::bigint) AS g`,
      params: [counts.orders],
    },
    {
      label: 'order items',
      // Row g of the series is line (g - 1) % 2 of order (g + 1) / 2.
      sql: `INSERT INTO order_items (order_id, line, product_id, quantity, unit_price_cents)
            SELECT o, l, p, ${lineQuantitySql('o', 'l')}, ${priceCentsSql('p')}
            FROM (SELECT o, l, ${lineProductSql('o', 'l', counts.products)} AS p
                  FROM (SELECT (g + 1) / 2 AS o, ((g - 1) % 2)::smallint AS l FROM generate_series(1, $1::bigint) AS g) AS lines) AS priced`,
      params: [counts.orderItems],
    },
  ];
}

/** Everything one table needs, run in one transaction on one connection. */
export interface TableLoad {
  table: TableName;
  statements: SeedStatement[];
}

export interface SeedPlan {
  /** One transaction: drop the constraints and indexes that would slow the bulk load down. */
  prepare: SeedStatement[];
  /** Independent of each other once `prepare` ran: run in parallel, largest first. */
  loads: TableLoad[];
  /** Foreign keys, each validated by one set-based query; independent of each other. */
  constraints: SeedStatement[];
  /** Sequences past the seeded ids, and planner statistics; independent of each other. */
  finish: SeedStatement[];
}

const plain = (label: string, sql: string): SeedStatement => ({ label, sql, params: [] });

export function seedPlan(counts: SeedCounts, passwordHash: string): SeedPlan {
  const inserts = new Map<string, SeedStatement>(seedInsertStatements(counts, passwordHash).map((s) => [s.label, s]));
  const insertOf: Record<TableName, string> = { users: 'users', products: 'products', orders: 'orders', order_items: 'order items' };
  const rows: Record<TableName, number> = { users: counts.users, products: counts.products, orders: counts.orders, order_items: counts.orderItems };
  const loads = TABLES.map((table): TableLoad => {
    const insert = inserts.get(insertOf[table]);
    if (insert === undefined) throw new Error(`no insert statement for ${table}`);
    return {
      table,
      statements: [
        // Truncating inside the loading transaction lets PostgreSQL skip WAL for the load when wal_level is minimal.
        plain(`truncate ${table}`, `TRUNCATE ${table} RESTART IDENTITY`),
        insert,
        ...PRIMARY_KEYS.filter((key) => key.table === table).map((key) => plain(`add ${key.name}`, addPrimaryKeySql(key))),
        ...SECONDARY_INDEXES.filter((index) => index.table === table).map((index) => plain(`create ${index.name}`, index.create)),
      ],
    };
  }).sort((a, b) => rows[b.table] - rows[a.table]);
  return {
    prepare: [
      ...FOREIGN_KEYS.map((key) => plain(`drop ${key.name}`, dropForeignKeySql(key))),
      ...SECONDARY_INDEXES.map((index) => plain(`drop ${index.name}`, dropIndexSql(index))),
      ...PRIMARY_KEYS.map((key) => plain(`drop ${key.name}`, dropPrimaryKeySql(key))),
    ],
    loads,
    constraints: FOREIGN_KEYS.map((key) => plain(`add ${key.name}`, addForeignKeySql(key))),
    finish: [
      ...(['users', 'products', 'orders'] as const).map((table) =>
        plain(
          `sequence ${table}`,
          `SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM ${table}), false)`,
        ),
      ),
      ...TABLES.map((table) => plain(`analyze ${table}`, `ANALYZE ${table}`)),
    ],
  };
}
