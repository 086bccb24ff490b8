import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FOREIGN_KEYS, PRIMARY_KEYS, SECONDARY_INDEXES, TABLES } from './schema.js';
import {
  DEFAULT_SEED_USERS,
  SeedArgsError,
  lineProduct,
  lineQuantity,
  parseSeedArgs,
  priceCents,
  seedCounts,
  seedInsertStatements,
  seedPlan,
} from './seed-plan.js';

describe('parseSeedArgs', () => {
  it('defaults to a small database', () => {
    expect(parseSeedArgs([])).toEqual({ users: DEFAULT_SEED_USERS });
  });

  it('accepts --users N and --users=N', () => {
    expect(parseSeedArgs(['--users', '1000000'])).toEqual({ users: 1_000_000 });
    expect(parseSeedArgs(['--users=25'])).toEqual({ users: 25 });
  });

  it('names what is wrong', () => {
    expect(() => parseSeedArgs(['--users'])).toThrow(new SeedArgsError('--users needs a number, e.g. --users 1000'));
    expect(() => parseSeedArgs(['--users', '1e6'])).toThrow('--users must be a positive integer, got "1e6"');
    expect(() => parseSeedArgs(['--users', '0'])).toThrow('--users must be between 1 and 50000000, got 0');
    expect(() => parseSeedArgs(['--user', '5'])).toThrow('unknown argument "--user" (usage: seed.js [--users N])');
  });
});

describe('seedCounts', () => {
  it('keeps products, orders and lines in proportion to users', () => {
    expect(seedCounts(1_000_000)).toEqual({ users: 1_000_000, products: 100_000, orders: 2_000_000, orderItems: 4_000_000 });
  });

  it('never seeds fewer than 100 products', () => {
    expect(seedCounts(10).products).toBe(100);
  });
});

describe('generated rows', () => {
  it('reference existing products, with two different products per order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 2, max: 5_000_000 }), (order, products) => {
        const first = lineProduct(order, 0, products);
        const second = lineProduct(order, 1, products);
        return first >= 1 && first <= products && second >= 1 && second <= products && first !== second;
      }),
    );
  });

  it('have positive quantities and prices', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 1 }), (order, line) => {
        const quantity = lineQuantity(order, line);
        return quantity >= 1 && quantity <= 3 && priceCents(order) >= 199 && priceCents(order) < 199 + 49_800;
      }),
    );
  });
});

describe('seedInsertStatements', () => {
  it('loads every table in one set-based statement with the row count as a parameter', () => {
    const counts = seedCounts(5000);
    const statements = seedInsertStatements(counts, '$2a$04$hash');
    expect(statements.map((s) => s.label)).toEqual(['users', 'products', 'orders', 'order items']);
    for (const statement of statements) expect(statement.sql).toContain('generate_series(1, $1::bigint)');
    expect(statements.map((s) => s.params[0])).toEqual([5000, 500, 10_000, 20_000]);
    expect(statements[0]!.params[1]).toBe('$2a$04$hash');
  });
});

describe('seedPlan', () => {
  const plan = seedPlan(seedCounts(1000), 'hash');

  it('drops every key, index and foreign key before loading and rebuilds each after', () => {
    const prepared = plan.prepare.map((s) => s.label);
    for (const name of [...PRIMARY_KEYS, ...SECONDARY_INDEXES, ...FOREIGN_KEYS].map((x) => x.name)) {
      expect(prepared).toContain(`drop ${name}`);
    }
    const rebuilt = [...plan.loads.flatMap((load) => load.statements), ...plan.constraints].map((s) => s.label);
    for (const key of PRIMARY_KEYS) expect(rebuilt).toContain(`add ${key.name}`);
    for (const index of SECONDARY_INDEXES) expect(rebuilt).toContain(`create ${index.name}`);
    for (const key of FOREIGN_KEYS) expect(rebuilt).toContain(`add ${key.name}`);
  });

  it('drops foreign keys before the keys they reference', () => {
    const labels = plan.prepare.map((s) => s.label);
    expect(labels.indexOf('drop orders_user_id_fkey')).toBeLessThan(labels.indexOf('drop users_pkey'));
  });

  it('loads each table once, largest first, truncating inside its own transaction', () => {
    expect(plan.loads.map((load) => load.table)).toEqual(['order_items', 'orders', 'users', 'products']);
    expect(new Set(plan.loads.map((load) => load.table))).toEqual(new Set(TABLES));
    for (const load of plan.loads) expect(load.statements[0]!.sql).toBe(`TRUNCATE ${load.table} RESTART IDENTITY`);
  });

  it('moves the id sequences past the seeded rows and analyzes every table', () => {
    const labels = plan.finish.map((s) => s.label);
    expect(labels).toEqual(expect.arrayContaining(['sequence users', 'sequence products', 'sequence orders', ...TABLES.map((t) => `analyze ${t}`)]));
  });
});
