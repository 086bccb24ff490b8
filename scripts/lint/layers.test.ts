import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RuleTester } from 'eslint';
import { describe, expect, it } from 'vitest';
import tseslint from 'typescript-eslint';
import { LAYERS, layersRule } from './layers.js';

const root = process.cwd();
const at = (file: string) => path.join(root, 'src', file);

describe('capacity/layers', () => {
  // RuleTester declares its cases through these.
  RuleTester.describe = describe;
  RuleTester.it = it;
  RuleTester.itOnly = it.only;
  const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' } });
  tester.run('layers', layersRule as never, {
    valid: [
      { filename: at('cli/commands/run.ts'), code: "import { executeRun } from '../../run/run.js';" },
      { filename: at('run/run.ts'), code: "import { getEngine } from '../engines/index.js';" },
      { filename: at('engines/k6/adapter.ts'), code: "import { badInput } from '../../core/errors.js';" },
      { filename: at('metrics/index.ts'), code: "import type { StackState } from '../stack/types.js';" },
      { filename: at('stack/local/up.ts'), code: "import { writeStackState } from '../state.js';" },
      { filename: at('results/store.ts'), code: "import { z } from 'zod';" },
      { filename: at('cli/main.ts'), code: "import { Command } from 'commander';" },
      { filename: at('core/errors.test.ts'), code: "import { main } from '../cli/main.js';" },
    ],
    invalid: [
      { filename: at('core/errors.ts'), code: "import { main } from '../cli/main.js';", errors: [{ messageId: 'upward' }] },
      { filename: at('results/store.ts'), code: "import type { Engine } from '../engines/types.js';", errors: [{ messageId: 'upward' }] },
      { filename: at('engines/index.ts'), code: "export { executeRun } from '../run/run.js';", errors: [{ messageId: 'upward' }] },
      { filename: at('metrics/index.ts'), code: "import { upStack } from '../stack/index.js';", errors: [{ messageId: 'upward' }] },
      { filename: at('scenarios/load.ts'), code: "const m = await import('../sizing/size.js');", errors: [{ messageId: 'upward' }] },
      { filename: at('run/options.ts'), code: "import { Option } from 'commander';", errors: [{ messageId: 'package' }] },
      { filename: at('newfolder/x.ts'), code: "import { badInput } from '../core/errors.js';", errors: [{ messageId: 'unknownFolder' }] },
    ],
  });
});

describe('docs/architecture.md', () => {
  const doc = readFileSync(path.join(root, 'docs', 'architecture.md'), 'utf8');

  it('lists every folder of src/ with the layer and the imports the lint rule enforces', () => {
    const rows = new Map<string, { layer: string; imports: string[] }>();
    for (const match of doc.matchAll(/^\| `src\/([a-z-]+)\/` \| (\w+) \|[^|]*\| ([^|]*) \|$/gm)) {
      const imports = [...match[3]!.matchAll(/`([a-z/-]+)`/g)].map((m) => m[1]!.replace(/\/$/, ''));
      rows.set(match[1]!, { layer: match[2]!, imports });
    }
    const folders = readdirSync(path.join(root, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect([...rows.keys()].sort()).toEqual(folders);
    expect(Object.keys(LAYERS).sort()).toEqual(folders);
    for (const [folder, [layer, imports]] of Object.entries(LAYERS)) {
      expect(rows.get(folder), folder).toEqual({ layer, imports: [...imports] });
    }
  });

  it('shows the exit-code table of src/core/errors.ts', async () => {
    const { ExitCode } = await import('../../src/core/errors.js');
    for (const code of Object.values(ExitCode)) expect(doc).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
  });
});
