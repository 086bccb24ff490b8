/**
 * The one table of layers: which folder of src/ may import which. ESLint enforces it (rule
 * `capacity/layers` below, run by `npm test`), and a unit test checks that docs/architecture.md
 * shows the same table. Arrows point down only: cli → application → adapters → domain → core.
 */
import path from 'node:path';

/** folder of src/ → [layer, folders it may import]. `X/types` means only X's contract file. */
export const LAYERS = {
  core: ['core', []],
  scenarios: ['domain', ['core']],
  results: ['domain', ['core', 'scenarios']],
  sizing: ['domain', ['core', 'scenarios', 'results']],
  regression: ['domain', ['core', 'scenarios', 'results']],
  importers: ['domain', ['core', 'scenarios']],
  engines: ['adapter', ['core', 'scenarios', 'results', 'sizing', 'regression']],
  stack: ['adapter', ['core', 'scenarios', 'results', 'sizing', 'regression']],
  metrics: ['adapter', ['core', 'scenarios', 'results', 'sizing', 'regression', 'stack/types']],
  reporters: ['adapter', ['core', 'scenarios', 'results', 'sizing', 'regression']],
  run: ['application', ['core', 'scenarios', 'results', 'sizing', 'regression', 'engines', 'stack', 'metrics', 'reporters']],
  gate: ['application', ['core', 'scenarios', 'results', 'sizing', 'regression', 'engines', 'stack', 'metrics', 'reporters']],
  doctor: ['application', ['core', 'scenarios', 'results', 'sizing', 'regression', 'engines', 'stack', 'metrics', 'reporters']],
  cli: ['cli', ['core', 'scenarios', 'results', 'sizing', 'regression', 'importers', 'engines', 'stack', 'metrics', 'reporters', 'run', 'gate', 'doctor']],
};

/** Packages that belong to one folder only: the CLI framework and the terminal UI stay in cli. */
export const PACKAGE_OWNERS = { commander: 'cli', ink: 'cli', react: 'cli', '@inkjs/ui': 'cli' };

/** `src/<folder>/<rest>` → { folder, rest } for a path inside src/, else undefined. */
function placeOf(file, srcRoot) {
  const relative = path.relative(srcRoot, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  const [folder, ...rest] = relative.split(path.sep);
  return rest.length === 0 ? undefined : { folder, rest: rest.join('/') };
}

function allows(allowed, target) {
  const contract = target.rest.replace(/\.(js|ts|tsx)$/, '');
  return allowed.includes(target.folder) || allowed.includes(`${target.folder}/${contract}`);
}

export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports point down the layers of docs/architecture.md' },
    schema: [],
    messages: {
      unknownFolder: 'src/{{folder}} is not in the layer table (scripts/lint/layers.js and docs/architecture.md): add it there first',
      upward: 'src/{{from}} ({{fromLayer}}) may not import src/{{to}} ({{toLayer}}): imports point down the layers (docs/architecture.md)',
      package: '{{name}} belongs to src/{{owner}}; src/{{from}} may not import it',
    },
  },
  create(context) {
    const file = context.filename;
    const srcRoot = path.join(context.cwd, 'src');
    const here = placeOf(file, srcRoot);
    if (!here || /\.test\.tsx?$/.test(file)) return {};
    const entry = LAYERS[here.folder];
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      if (!entry) {
        context.report({ node, messageId: 'unknownFolder', data: { folder: here.folder } });
        return;
      }
      if (!source.startsWith('.')) {
        const name = source.startsWith('@') ? source.split('/').slice(0, 2).join('/') : source.split('/')[0];
        const owner = PACKAGE_OWNERS[name];
        if (owner && owner !== here.folder) context.report({ node, messageId: 'package', data: { name, owner, from: here.folder } });
        return;
      }
      const target = placeOf(path.resolve(path.dirname(file), source), srcRoot);
      if (!target || target.folder === here.folder) return;
      if (!LAYERS[target.folder]) {
        context.report({ node, messageId: 'unknownFolder', data: { folder: target.folder } });
        return;
      }
      if (!allows(entry[1], target)) {
        context.report({
          node,
          messageId: 'upward',
          data: { from: here.folder, fromLayer: entry[0], to: `${target.folder}/${target.rest}`, toLayer: LAYERS[target.folder][0] },
        });
      }
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};

export default { rules: { layers: layersRule } };
