import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Checks Kubernetes manifests against the API's OpenAPI schemas as published in
 * kubernetes-models (the package pins the Kubernetes release it was generated from), twice:
 *
 * - the model class's validate(): JSON Schema, compiled by ajv from the OpenAPI document
 *   (types, formats, required fields, enums);
 * - the same package's TypeScript declarations, with object literal excess-property checks,
 *   for what those schemas let through: fields that do not exist (`readinesProbe`, a
 *   misplaced `resources`). The API server would drop such a field with a warning; kubeconform
 *   calls this its strict mode.
 */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface SchemaProblem {
  /** `Kind/name` of the document. */
  document: string;
  message: string;
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/** `apps/v1` → `kubernetes-models/apps/v1/<Kind>`; the core group `v1` → `kubernetes-models/v1/<Kind>`. */
const modulePath = (doc: Manifest) => `kubernetes-models/${doc.apiVersion}/${doc.kind}`;
const describe = (doc: Manifest) => `${doc.kind}/${doc.metadata?.name ?? '?'}`;

async function schemaProblems(doc: Manifest): Promise<string[]> {
  let model: ModelClass | undefined;
  try {
    const mod = (await import(modulePath(doc))) as Record<string, ModelClass | undefined>;
    model = mod[doc.kind];
  } catch {
    model = undefined;
  }
  if (!model) return [`no Kubernetes schema for ${doc.apiVersion} ${doc.kind}`];
  try {
    new model(doc).validate();
    return [];
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
}

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2023,
  lib: ['lib.es2023.d.ts'],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  types: [],
};

/** Excess (unknown) fields and type mismatches, from type-checking each document as a literal. */
function unknownFieldProblems(docs: Manifest[]): Map<number, string[]> {
  // A module that is never written to disk; it resolves kubernetes-models from the repository.
  const file = path.join(REPO_ROOT, 'deploy', 'helm', '__rendered_manifests__.ts');
  const lines: string[] = [];
  const docAtLine: number[] = [];
  docs.forEach((doc, i) => {
    lines.push(`import type { I${doc.kind} as T${i} } from '${modulePath(doc)}';`);
  });
  docs.forEach((doc, i) => {
    const body = `export const d${i}: T${i} = ${JSON.stringify(doc, null, 2)};`.split('\n');
    for (const _ of body) docAtLine.push(i);
    lines.push(...body);
  });
  const header = docs.length;
  const source = lines.join('\n');
  const host = ts.createCompilerHost(COMPILER_OPTIONS, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError, shouldCreate) =>
    path.resolve(name) === file
      ? ts.createSourceFile(name, source, version, true)
      : getSourceFile(name, version, onError, shouldCreate);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], COMPILER_OPTIONS, host);
  const problems = new Map<number, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file && path.resolve(d.file.fileName) === file && d.start !== undefined) {
      const line = d.file.getLineAndCharacterOfPosition(d.start).line;
      const index = line < header ? line : docAtLine[line - header];
      if (index !== undefined) {
        const text = line >= header ? ` (at: ${lines[line]?.trim()})` : '';
        problems.set(index, [...(problems.get(index) ?? []), `${message}${text}`]);
        continue;
      }
    }
    problems.set(-1, [...(problems.get(-1) ?? []), message]);
  }
  return problems;
}

/** Every problem in these documents; empty when all of them are valid. */
export async function validateManifests(docs: Manifest[]): Promise<SchemaProblem[]> {
  const problems: SchemaProblem[] = [];
  const known: Manifest[] = [];
  for (const doc of docs) {
    const found = await schemaProblems(doc);
    for (const message of found) problems.push({ document: describe(doc), message });
    if (!found.some((m) => m.startsWith('no Kubernetes schema'))) known.push(doc);
  }
  for (const [index, messages] of unknownFieldProblems(known)) {
    const document = index >= 0 ? describe(known[index]!) : '(type check)';
    for (const message of messages) problems.push({ document, message });
  }
  return problems;
}
