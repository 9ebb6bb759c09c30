import { join } from 'node:path';
import { isModelTest, isTestFile, type ModelTest } from './dsl/model-test.ts';
import type { Diagnostic } from './errors.ts';
import { importModels, listFiles, type Project } from './project.ts';

export interface LoadedTests {
  readonly tests: readonly ModelTest[];
  /** Test files that did not load, with file:line. */
  readonly diagnostics: readonly Diagnostic[];
  readonly files: readonly string[];
}

/**
 * The model tests of a project: every `*.test.ts` under its models folder, imported in one
 * bundle as the model files are (they import the models they test). The models they hold are
 * other instances than the project's: the runner matches them by name.
 */
export async function loadModelTests(project: Project): Promise<LoadedTests> {
  const files = listFiles(join(project.dir, project.config.modelsDir ?? 'models'), ['.ts', '.mts', '.js', '.mjs']).filter(isTestFile);
  if (!files.length) return { tests: [], diagnostics: [], files };
  const loaded = await importModels(project.dir, files);
  const tests: ModelTest[] = [];
  for (const mod of loaded.modules) for (const value of Object.values(mod)) if (isModelTest(value) && !tests.includes(value)) tests.push(value);
  // In file order, then by line (a module's exports come in alphabetical order).
  tests.sort((a, b) => a.loc.file.localeCompare(b.loc.file) || a.loc.line - b.loc.line);
  return { tests, diagnostics: loaded.diagnostics, files };
}
