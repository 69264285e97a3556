/**
 * Finds the AWS API operations that the daemon can call, by reading its TypeScript sources, and
 * turns them into IAM actions. The deploy tests compare the result with the task role.
 *
 * An operation counts when a file that the daemon loads refers, outside a type position, to a
 * `…Command` class or a `paginate…` function imported from an `@aws-sdk/client-*` package. Any
 * other way of reaching AWS (the aggregated `SQS` client, waiters, other `@aws-sdk/*` packages,
 * `require`, a computed dynamic import) raises {@link UnsupportedSdkUsageError}, so an unknown
 * shape fails the test instead of slipping past it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** IAM service prefix of each SDK client package that the scanner maps to IAM actions. */
export const IAM_PREFIXES: Record<string, string> = {
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-securityhub': 'securityhub',
  '@aws-sdk/client-ssm': 'ssm',
  '@aws-sdk/client-config-service': 'config',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
};

/** One operation referenced by one file. */
export interface SdkCall {
  /** Client package, such as `@aws-sdk/client-sqs`. */
  packageName: string;
  /** Operation name, such as `ReceiveMessage` (the command name without `Command`). */
  operation: string;
  /** File that refers to it, relative to the repository root. */
  file: string;
}

/** The sources use the SDK in a way the scanner cannot turn into IAM actions. */
export class UnsupportedSdkUsageError extends Error {
  constructor(
    readonly file: string,
    readonly usage: string,
  ) {
    super(
      `${file}: ${usage}. The IAM check in test/unit/deploy only understands "new XxxCommand(...)" and ` +
        '"paginateXxx(...)" imported from @aws-sdk/client-* packages: use those, or extend test/unit/deploy/helpers/sdk-calls.ts.',
    );
    this.name = 'UnsupportedSdkUsageError';
  }
}

/**
 * Lists the source files that running `entry` can load: the entry and, transitively, every file
 * imported or re-exported by a relative specifier, including `import('./literal.js')`. Type-only
 * imports are skipped, because they are erased before the code runs.
 */
export function findReachableFiles(entry: string): string[] {
  const seen = new Set<string>();
  const pending = [resolve(entry)];

  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);

    const sourceFile = parseSource(file);
    for (const specifier of runtimeModuleSpecifiers(sourceFile)) {
      if (!specifier.startsWith('.')) continue;
      pending.push(resolveRelativeImport(file, specifier));
    }
  }
  return [...seen].sort();
}

/** Bare package names (not `node:` builtins, not relative paths) that `files` import at run time. */
export function findRuntimePackageImports(files: string[]): Map<string, string[]> {
  const importers = new Map<string, string[]>();
  for (const file of files) {
    for (const specifier of runtimeModuleSpecifiers(parseSource(file), { staticOnly: true })) {
      if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
      const packageName = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      importers.set(packageName, [...(importers.get(packageName) ?? []), file]);
    }
  }
  return importers;
}

/**
 * Finds the SDK operations that one file refers to.
 *
 * @param aggregatedClients names of the aggregated client classes per package (`SQS` for
 *   `@aws-sdk/client-sqs`), which call operations through methods the scanner cannot see.
 */
export function findSdkCalls(file: string, repositoryRoot: string, aggregatedClients: Map<string, Set<string>>): SdkCall[] {
  const sourceFile = parseSource(file);
  const displayName = relative(repositoryRoot, file);
  const namedImports = new Map<string, { packageName: string; imported: string }>();
  const namespaceImports = new Map<string, string>();

  // Step 1: collect what the file imports from the AWS SDK.
  for (const statement of sourceFile.statements) {
    if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      if (isAwsSdkPackage(statement.moduleSpecifier.text) && !statement.isTypeOnly) {
        throw new UnsupportedSdkUsageError(displayName, `re-exports from ${statement.moduleSpecifier.text}`);
      }
      continue;
    }
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;

    const packageName = statement.moduleSpecifier.text;
    if (!isAwsSdkPackage(packageName)) continue;
    const clause = statement.importClause;
    if (!clause || clause.isTypeOnly) continue;

    if (!packageName.startsWith('@aws-sdk/client-')) {
      throw new UnsupportedSdkUsageError(displayName, `imports values from ${packageName}, whose AWS calls the scanner cannot see`);
    }
    if (!(packageName in IAM_PREFIXES)) {
      throw new UnsupportedSdkUsageError(displayName, `imports ${packageName}, which has no IAM prefix in IAM_PREFIXES`);
    }
    if (clause.name) {
      throw new UnsupportedSdkUsageError(displayName, `imports a default export from ${packageName}`);
    }

    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) {
      namespaceImports.set(bindings.name.text, packageName);
    } else if (bindings) {
      for (const element of bindings.elements) {
        if (element.isTypeOnly) continue;
        const imported = (element.propertyName ?? element.name).text;
        checkImportedName(displayName, packageName, imported, aggregatedClients);
        namedImports.set(element.name.text, { packageName, imported });
      }
    }
  }

  // Step 2: keep the imported commands and paginators that are used as values.
  const calls = new Map<string, SdkCall>();
  const record = (packageName: string, imported: string): void => {
    const operation = operationOf(imported);
    if (operation) calls.set(`${packageName} ${operation}`, { packageName, operation, file: displayName });
  };

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || (ts.isTypeNode(node) && !isClassExtendsClause(node))) return;

    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const packageName = namespaceImports.get(node.expression.text);
      if (packageName) {
        checkImportedName(displayName, packageName, node.name.text, aggregatedClients);
        record(packageName, node.name.text);
      }
    }

    if (ts.isIdentifier(node) && namedImports.has(node.text) && isValueReference(node)) {
      const { packageName, imported } = namedImports.get(node.text)!;
      record(packageName, imported);
    }

    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteral(argument) && isAwsSdkPackage(argument.text)) {
        throw new UnsupportedSdkUsageError(displayName, `imports ${argument.text} dynamically`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);

  return [...calls.values()];
}

const SQS_BATCH_ACTIONS: Record<string, string> = {
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
  SendMessageBatch: 'SendMessage',
};

/**
 * Returns the IAM action for an operation: `prefix:Operation`, unless the SDK's documentation of
 * the command names another action that authorizes it. Security Hub documents, for example, that
 * BatchUpdateFindingsV2 "uses securityhub:BatchUpdateFindings in the Action element".
 */
export function iamActionFor(call: Pick<SdkCall, 'packageName' | 'operation'>, repositoryRoot: string): string {
  const prefix = IAM_PREFIXES[call.packageName];
  if (!prefix) {
    throw new Error(`No IAM prefix is known for ${call.packageName}: add it to IAM_PREFIXES in test/unit/deploy/helpers/sdk-calls.ts`);
  }

  // The SQS developer guide: batch actions have no IAM action of their own; they need the
  // permission of the single action (DeleteMessageBatch needs sqs:DeleteMessage).
  const single = SQS_BATCH_ACTIONS[call.operation];
  if (prefix === 'sqs' && single) {
    return `sqs:${single}`;
  }

  const documentation = join(repositoryRoot, 'node_modules', call.packageName, 'dist-types', 'commands', `${call.operation}Command.d.ts`);
  if (!existsSync(documentation)) {
    throw new Error(`${call.packageName} has no command ${call.operation}Command (looked for ${documentation})`);
  }

  const documented = /<code>([a-z0-9-]+):([A-Za-z0-9]+)<\/code> in the <code>Action<\/code> element/.exec(readFileSync(documentation, 'utf8'));
  if (documented && documented[1] === prefix) {
    return `${prefix}:${documented[2]}`;
  }
  return `${prefix}:${call.operation}`;
}

/** Names of the aggregated client classes that `module` exports (`SQS`, next to `SQSClient`). */
export function aggregatedClientNames(module: Record<string, unknown>): Set<string> {
  return new Set(Object.keys(module).filter((name) => !name.endsWith('Client') && typeof module[name] === 'function' && `${name}Client` in module));
}

// ── Helpers ────────────────────────────────────────────────────────────────────────────────────

function parseSource(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

function isAwsSdkPackage(specifier: string): boolean {
  return specifier.startsWith('@aws-sdk/') || specifier.startsWith('@smithy/');
}

/** Module specifiers that load code at run time: value imports, re-exports and literal dynamic imports. */
function runtimeModuleSpecifiers(sourceFile: ts.SourceFile, options: { staticOnly?: boolean } = {}): string[] {
  const specifiers: string[] = [];

  for (const statement of sourceFile.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      if (statement.importClause?.isTypeOnly) continue;
      specifiers.push(statement.moduleSpecifier.text);
    }
    if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      if (statement.isTypeOnly) continue;
      specifiers.push(statement.moduleSpecifier.text);
    }
  }
  if (options.staticOnly) return specifiers;

  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) {
        specifiers.push(argument.text);
      } else {
        throw new UnsupportedSdkUsageError(sourceFile.fileName, 'has a dynamic import() of a computed module name, which cannot be followed');
      }
    }
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') {
      throw new UnsupportedSdkUsageError(sourceFile.fileName, 'calls require(), which the ESM sources should not need');
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return specifiers;
}

/** Maps `./x.js` (NodeNext style, as tsx resolves it) to the `.ts` file next to the importer. */
function resolveRelativeImport(importer: string, specifier: string): string {
  const base = resolve(dirname(importer), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')];
  const found = candidates.find((candidate) => existsSync(candidate) && candidate.endsWith('.ts'));
  if (!found) {
    throw new Error(`${importer} imports "${specifier}", but none of ${candidates.join(', ')} exists`);
  }
  return found;
}

function checkImportedName(file: string, packageName: string, imported: string, aggregatedClients: Map<string, Set<string>>): void {
  if (aggregatedClients.get(packageName)?.has(imported)) {
    throw new UnsupportedSdkUsageError(file, `uses the aggregated client ${imported} from ${packageName}`);
  }
  if (imported.startsWith('waitUntil') || imported.startsWith('waitFor')) {
    throw new UnsupportedSdkUsageError(file, `uses the waiter ${imported} from ${packageName}`);
  }
}

/** `ReceiveMessageCommand` → `ReceiveMessage`, `paginateGetFindings` → `GetFindings`, else undefined. */
function operationOf(imported: string): string | undefined {
  if (/^[A-Z]\w*Command$/.test(imported)) return imported.slice(0, -'Command'.length);
  if (/^paginate[A-Z]\w*$/.test(imported)) return imported.slice('paginate'.length);
  return undefined;
}

/** `class X extends Base` names a value (the base class), although TypeScript parses it as a type node. */
function isClassExtendsClause(node: ts.Node): boolean {
  return (
    ts.isExpressionWithTypeArguments(node) &&
    ts.isHeritageClause(node.parent) &&
    node.parent.token === ts.SyntaxKind.ExtendsKeyword &&
    ts.isClassLike(node.parent.parent)
  );
}

/** True unless the identifier is a property name (`a.Name`, `{ Name: 1 }`) or a declaration's name. */
function isValueReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if (ts.isPropertyAssignment(parent) && parent.name === node) return false;
  if ((ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)) && parent.name === node) return false;
  return true;
}
