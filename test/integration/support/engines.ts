/**
 * The engines installed here, as `--engine all` finds them: autocannon and Artillery always
 * (npm dependencies), Locust when the set-up made its project-local venv, k6 when the user put it
 * on PATH (never fetched: see k6.ts).
 */
import { fileURLToPath } from 'node:url';
import { locateLocust } from '../../../src/engines/locust/adapter.js';
import { k6Binary } from './k6.js';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const installedEngines: readonly string[] = [
  'artillery',
  'autocannon',
  ...(k6Binary ? ['k6'] : []),
  ...(locateLocust(projectRoot).available ? ['locust'] : []),
].sort();
