import type { Rule } from 'eslint';

export const LAYERS: Record<string, readonly [layer: string, imports: readonly string[]]>;
export const PACKAGE_OWNERS: Record<string, string>;
export const layersRule: Rule.RuleModule;
declare const plugin: { rules: { layers: Rule.RuleModule } };
export default plugin;
