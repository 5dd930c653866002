/**
 * The runtime image installs `dependencies` only (npm ci --omit=dev). Every package that src/
 * loads at run time (static imports other than `import type`, re-exports, dynamic `import()` and
 * createRequire) must therefore be a dependency: one left in devDependencies works in development
 * and tests, and fails in production. Optional loads that are guarded (pino-pretty, via
 * import.meta.resolve) and tsx (a string evaluated only when running from source) are not loads.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO, readRepoFile } from './support.js';

const packageJson = JSON.parse(readRepoFile('package.json')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The module specifiers a compiled file loads, by the rules of verbatimModuleSyntax. */
function runtimeSpecifiers(path: string, text = readFileSync(path, 'utf8')): string[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isImportDeclaration(node) &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      !node.importClause?.isTypeOnly
    )
      found.push(node.moduleSpecifier.text);
    if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      !node.isTypeOnly
    )
      found.push(node.moduleSpecifier.text);
    if (
      ts.isCallExpression(node) &&
      node.arguments.length === 1 &&
      ts.isStringLiteralLike(node.arguments[0]!)
    ) {
      const callee = node.expression;
      const isDynamicImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isCreatedRequire =
        ts.isCallExpression(callee) && callee.expression.getText(source) === 'createRequire';
      if (isDynamicImport || isCreatedRequire) found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function packageName(specifier: string): string | undefined {
  if (
    specifier.startsWith('.') ||
    specifier.startsWith('node:') ||
    builtinModules.includes(specifier.split('/')[0]!)
  )
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

describe('runtime dependencies', () => {
  const files = sourceFiles(join(REPO, 'src'));
  const loads = files.flatMap((file) =>
    runtimeSpecifiers(file).flatMap((specifier) => {
      const name = packageName(specifier);
      return name ? [{ file: file.slice(REPO.length), name }] : [];
    }),
  );

  it('counts as loads what the compiled JavaScript still loads', () => {
    const text = [
      "import type { A } from 'type-only';",
      "import { type B } from 'kept-for-side-effects';",
      "export * from 're-exported';",
      "export type { C } from 'type-re-export';",
      "await import('dynamic');",
      "createRequire(import.meta.url)('required');",
      "import.meta.resolve('only-resolved');",
    ].join('\n');
    expect(runtimeSpecifiers('example.ts', text)).toEqual([
      'kept-for-side-effects',
      're-exported',
      'dynamic',
      'required',
    ]);
  });

  it('finds the packages src/ loads', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(loads.map((load) => load.name)).toEqual(
      expect.arrayContaining(['graphql', '@apollo/server', 'pg', 'pino', 'zod']),
    );
  });

  it('declares every one of them in dependencies, not devDependencies', () => {
    const missing = loads
      .filter((load) => !(load.name in packageJson.dependencies))
      .map((load) => `${load.name} (${load.file})`);
    expect(missing).toEqual([]);
  });
});
