import { badInput } from '../core/errors.js';
import type { EngineInfo } from '../results/schema.js';
import type { Engine } from './types.js';
import { autocannonEngine } from './autocannon/adapter.js';
import { k6Engine } from './k6/adapter.js';
import { artilleryEngine } from './artillery/adapter.js';
import { locustEngine } from './locust/adapter.js';

/** Engines by name. Each adapter module is cheap to import (no engine starts on import). */
const ENGINES: Record<EngineInfo['name'], Engine> = {
  k6: k6Engine,
  autocannon: autocannonEngine,
  artillery: artilleryEngine,
  locust: locustEngine,
};

export function listEngines(): EngineInfo['name'][] {
  return Object.keys(ENGINES) as EngineInfo['name'][];
}

export function getEngine(name: string): Engine {
  const engine = (ENGINES as Record<string, Engine | undefined>)[name];
  if (!engine) throw badInput(`unknown engine "${name}"`, [], `choose one of: ${listEngines().join(', ')}`);
  return engine;
}
