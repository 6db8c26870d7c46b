#!/usr/bin/env node
/**
 * Two checks over the import graph of `src/` that no type checker or linter makes (run by `npm run lint`):
 *
 * - No import cycles. Dependencies point one way (pure core ← shared ← the five places CallSeal runs); a cycle,
 *   type-only or not, is a module that cannot be understood, or tested, without the other.
 * - No unused exports. Every name a module in `src/` exports is imported by production code: another module of
 *   `src/`, or a build file at the root or in `scripts/` (manifest.config.ts, vite.config.ts…). A name that only
 *   tests import is not API: it is either dead code or a test reaching past the module's real interface.
 *
 * It parses each file with the TypeScript compiler's parser only (no type checking), so it takes a second.
 * Exit status 1, and one line per finding: `path:line: message`.
 *
 *   node scripts/check-modules.mjs
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = /\.(ts|tsx|mts|mjs|js)$/;

/** Files whose exports are read by the build, the browser or the platform, not by an import. */
const ENTRY_POINTS = new Set([
  'src/background/index.ts',
  'src/content/bridge.ts',
  'src/content/main-world.ts',
  'src/popup/main.tsx',
  'src/options/main.tsx',
  'src/worker/index.ts',
]);

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (SOURCE.test(name) && !name.endsWith('.d.ts') && !name.endsWith('.d.mts')) out.push(path);
  }
  return out;
}

const rel = (path) => relative(root, path).split('\\').join('/');

/** Resolves a relative specifier the way the bundler does (extensionless, or with its .ts extension, or a folder). */
function resolveSpecifier(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/**
 * One module's facts: what it exports (name → line), what it imports (by target file: the names, or '*'), and what
 * it re-exports (`export * from`, `export { a as b } from`).
 */
function parseModule(path) {
  const text = readFileSync(path, 'utf8');
  const kind = path.endsWith('x') ? ts.ScriptKind.TSX : path.endsWith('.ts') || path.endsWith('.mts') ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
  const line = (node) => file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
  const exports = new Map();
  /** target path → { names: Set<string>, all: boolean, typeOnly: boolean, line } */
  const imports = new Map();
  /** [target path, exported-as → imported name | '*'] */
  const reexports = [];

  const importOf = (target, typeOnly, at) => {
    let entry = imports.get(target);
    if (!entry) imports.set(target, (entry = { names: new Set(), all: false, typeOnly: true, line: at }));
    entry.typeOnly &&= typeOnly;
    return entry;
  };

  /** How often each identifier occurs in the file (a name used besides its declaration occurs twice or more). */
  const identifiers = new Map();
  const count = (node) => {
    if (ts.isIdentifier(node)) identifiers.set(node.text, (identifiers.get(node.text) ?? 0) + 1);
    ts.forEachChild(node, count);
  };
  count(file);

  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const target = resolveSpecifier(path, node.moduleSpecifier.text);
      const clause = node.importClause;
      if (target) {
        const typeOnly = clause?.isTypeOnly === true;
        const entry = importOf(target, typeOnly && true, line(node));
        if (!clause) entry.all = true; // A side-effect import.
        if (clause?.name) entry.names.add('default');
        const bindings = clause?.namedBindings;
        if (bindings && ts.isNamespaceImport(bindings)) entry.all = true;
        if (bindings && ts.isNamedImports(bindings)) {
          for (const element of bindings.elements) entry.names.add((element.propertyName ?? element.name).text);
          entry.typeOnly = entry.typeOnly && (typeOnly || bindings.elements.every((e) => e.isTypeOnly));
        }
      }
      return;
    }
    if (ts.isExportDeclaration(node)) {
      const target = node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) ? resolveSpecifier(path, node.moduleSpecifier.text) : undefined;
      if (target) importOf(target, node.isTypeOnly, line(node));
      if (!node.exportClause) {
        if (target) reexports.push([target, '*', '*']);
      } else if (ts.isNamedExports(node.exportClause)) {
        for (const element of node.exportClause.elements) {
          const local = (element.propertyName ?? element.name).text;
          exports.set(element.name.text, { line: line(element), type: node.isTypeOnly || element.isTypeOnly, reexport: Boolean(target) });
          if (target) reexports.push([target, element.name.text, local]);
        }
      } else if (ts.isNamespaceExport(node.exportClause)) {
        exports.set(node.exportClause.name.text, { line: line(node), type: node.isTypeOnly });
        if (target) importOf(target, node.isTypeOnly, line(node)).all = true;
      }
      return;
    }
    if (ts.isExportAssignment(node)) {
      exports.set('default', { line: line(node), type: false });
      return;
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      const target = argument && ts.isStringLiteral(argument) ? resolveSpecifier(path, argument.text) : undefined;
      if (target) importOf(target, false, line(node)).all = true;
    }
    const modifiers = ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined;
    if (modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) && node.parent === file) {
      const isDefault = modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
      const type = ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node);
      if (isDefault) exports.set('default', { line: line(node), type });
      else if (ts.isVariableStatement(node)) {
        for (const declaration of node.declarationList.declarations) {
          for (const name of bindingNames(declaration.name)) exports.set(name, { line: line(declaration), type });
        }
      } else if (node.name && ts.isIdentifier(node.name)) exports.set(node.name.text, { line: line(node), type });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { path, exports, imports, reexports, identifiers };
}

function bindingNames(name) {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((element) => (ts.isOmittedExpression(element) ? [] : bindingNames(element.name)));
}

const production = [...walk(join(root, 'src')), ...walk(join(root, 'scripts')), ...readdirSync(root).filter((n) => /\.(ts|mts|js|mjs)$/.test(n)).map((n) => join(root, n))];
const testFiles = [...walk(join(root, 'tests')), ...walk(join(root, 'demo')), ...walk(join(root, 'tools'))];
const modules = new Map(production.map((path) => [path, parseModule(path)]));
const testModules = new Map(testFiles.map((path) => [path, parseModule(path)]));
const findings = [];

// ---- Cycles (Tarjan's strongly connected components over every import, type-only ones included) ----------------

{
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  let counter = 0;
  const connect = (path) => {
    index.set(path, counter);
    low.set(path, counter++);
    stack.push(path);
    onStack.add(path);
    for (const target of modules.get(path)?.imports.keys() ?? []) {
      if (!modules.has(target)) continue;
      if (!index.has(target)) {
        connect(target);
        low.set(path, Math.min(low.get(path), low.get(target)));
      } else if (onStack.has(target)) low.set(path, Math.min(low.get(path), index.get(target)));
    }
    if (low.get(path) !== index.get(path)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== path);
    const selfImport = modules.get(path).imports.has(path);
    if (component.length > 1 || selfImport) {
      const members = new Set(component);
      // Name one cycle through the component, in import order, so the message says which imports close it.
      const cycle = [path];
      for (let at = path; ; ) {
        const next = [...modules.get(at).imports.keys()].find((t) => members.has(t) && (t === path || !cycle.includes(t)));
        if (!next || next === path) break;
        cycle.push(next);
        at = next;
      }
      const first = modules.get(path).imports.get(cycle[1] ?? path);
      findings.push(`${rel(path)}:${first?.line ?? 1}: import cycle: ${[...cycle, path].map(rel).join(' → ')}`);
    }
  };
  for (const path of [...modules.keys()].sort()) if (!index.has(path)) connect(path);
}

// ---- Unused exports -------------------------------------------------------------------------------------------

/** path → names the given importers take from it ('*' for all), following re-exports to where a name is declared. */
function usedNames(importers) {
  const used = new Map();
  const hasStar = (path, name, seen = new Set()) => {
    if (seen.has(path)) return false;
    seen.add(path);
    return (modules.get(path)?.reexports ?? []).some(
      ([target, exportedAs]) => exportedAs === '*' && (modules.get(target)?.exports.has(name) || hasStar(target, name, seen)),
    );
  };
  const use = (path, name) => {
    if (!used.has(path)) used.set(path, new Set());
    const names = used.get(path);
    if (names.has(name)) return;
    names.add(name);
    for (const [target, exportedAs, local] of modules.get(path)?.reexports ?? []) {
      if (exportedAs === '*' && name !== 'default') {
        if (name === '*' || modules.get(target)?.exports.has(name) || hasStar(target, name)) use(target, name);
      } else if (name === '*' || exportedAs === name) use(target, local);
    }
  };
  for (const module of importers) {
    for (const [target, entry] of module.imports) {
      if (entry.all) use(target, '*');
      for (const name of entry.names) use(target, name);
    }
  }
  return used;
}

{
  const byProduction = usedNames(modules.values());
  const byTests = usedNames(testModules.values());
  for (const module of modules.values()) {
    const path = rel(module.path);
    if (!path.startsWith('src/') || ENTRY_POINTS.has(path)) continue;
    const names = byProduction.get(module.path) ?? new Set();
    const testNames = byTests.get(module.path) ?? new Set();
    if (names.has('*')) continue;
    for (const [name, { line, reexport }] of module.exports) {
      if (names.has(name)) continue;
      if (!testNames.has(name) && !testNames.has('*')) {
        findings.push(`${path}:${line}: "${name}" is exported but nothing imports it: drop the export, or the code`);
      } else if (reexport || (module.identifiers.get(name) ?? 0) < 2) {
        // Testing a helper the module itself uses is fine; code that only tests run is not (issue 12 item 6).
        findings.push(`${path}:${line}: "${name}" is used only by tests, never in production: remove it (or move it to tests/)`);
      }
    }
  }
}

// ---- Known findings ------------------------------------------------------------------------------------------
// `scripts/check-modules.known` lists findings not fixed yet, one `path: "name"` (or `path: cycle`, or `path: *` for
// all of a module's unused exports) a line; each is tolerated until fixed, and then must leave the list.

const knownFile = join(root, 'scripts', 'check-modules.known');
const known = new Set(
  existsSync(knownFile)
    ? readFileSync(knownFile, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : [],
);
const keyOf = (finding) => {
  const [, path, rest] = /^([^:]+):\d+: (.*)$/.exec(finding) ?? [];
  const name = /^"([^"]+)"/.exec(rest ?? '')?.[1];
  return `${path}: ${name ? `"${name}"` : 'cycle'}`;
};
/** `path: *` stands for every unused-export finding of a module (one merged ahead of its production use). */
const moduleOf = (key) => `${key.slice(0, key.indexOf(': '))}: *`;
const isKnown = (key) => known.has(key) || (!key.endsWith(': cycle') && known.has(moduleOf(key)));
const problems = findings.filter((finding) => !isKnown(keyOf(finding)));
const stillFound = new Set(findings.flatMap((finding) => [keyOf(finding), moduleOf(keyOf(finding))]));
for (const entry of known) if (!stillFound.has(entry)) problems.push(`scripts/check-modules.known: ${entry} is fixed: remove it from the list`);

for (const problem of problems.sort()) console.error(problem);
if (problems.length > 0) {
  console.error(`check-modules: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`check-modules: no import cycles, no unused exports (${known.size} known, listed in scripts/check-modules.known)`);
