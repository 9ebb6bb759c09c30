import { findSourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface SourceLoc {
  file: string;
  line: number;
  column: number;
}

const FRAME = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):(\d+):(\d+)\)?$/;

/** The compiler's own files and packages: never a declaration site. */
const notProject = (file: string) => file.includes('/packages/compiler/src/') || file.includes('/node_modules/');

/** A frame's text, as `new Error().stack` prints it, to the first frame that names a file of the project. */
function siteOf(frames: Iterable<string>): SourceLoc {
  for (const frame of frames) {
    const m = FRAME.exec(frame.trim());
    if (!m) continue;
    const file = m[1]!.replace(/^file:\/\//, '');
    if (notProject(file)) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return { file: '<unknown>', line: 1, column: 1 };
}

/** Scripts that map their own frames (the model script of model-bundle.ts), by file URL. */
const siteMappers = new Map<string, (line: number, column: number) => string | undefined>();

/** Maps the frames of a script: `(file:line:column)` for a position in it, as Node prints a source-mapped frame. */
export function registerSiteMapper(url: string, mapper: ((line: number, column: number) => string | undefined) | undefined): void {
  if (mapper) siteMappers.set(url, mapper);
  else siteMappers.delete(url);
}

const structured = (_: Error, frames: NodeJS.CallSite[]) => frames;

/**
 * The tail of a frame's text as Node prints it with source maps on (see
 * lib/internal/source_map/prepare_stack_trace.js): the original file:line:column when the
 * frame's file has a source map that maps it, else V8's own text of the frame. Only the tail
 * matters to FRAME, which stops at the parenthesis before the location.
 */
function frameText(site: NodeJS.CallSite, sourceMaps: boolean): string {
  if (!sourceMaps) return String(site);
  try {
    const fileName = site.getFileName() ?? site.getEvalOrigin();
    const mapper = fileName ? siteMappers.get(fileName) : undefined;
    if (mapper) return mapper(site.getLineNumber()!, site.getColumnNumber()!) ?? String(site);
    const map = fileName ? findSourceMap(fileName) : undefined;
    if (map) {
      const e = map.findEntry(site.getLineNumber()! - 1, site.getColumnNumber()! - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
      if (e.originalSource === undefined || e.originalLine === undefined || e.originalColumn === undefined) return String(site);
      const source = e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : e.originalSource;
      return `(${source}:${e.originalLine + 1}:${e.originalColumn + 1})`;
    }
  } catch {
    // Node prints the frame unmapped when mapping it fails.
  }
  return String(site);
}

/**
 * Where the model declaration that is being built sits in its file: the first stack frame
 * outside the compiler's own sources. Model files are loaded with source maps, so this is the
 * TypeScript line the analyst wrote.
 *
 * Under Node's own stack formatting the frames are read as structures and only those up to
 * the declaration are mapped: formatting the whole stack text mapped every frame through the
 * source map of the project bundle and cost a third of loading a large project. Where another
 * formatter is installed (a test runner's), its text is read as before.
 */
export function callSite(): SourceLoc {
  const own = Error.prepareStackTrace;
  if (own !== undefined && own.name !== 'ErrorPrepareStackTrace') return siteOf(new Error().stack?.split('\n').slice(1) ?? []);
  const sourceMaps = (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled ?? true;
  // The declaration is a few frames up: the frames are read as far as that first (creating a
  // structure per frame of the whole stack cost as much as the rest of callSite), then, if
  // it is not among them, as far as the stack trace limit, as before.
  const limit = Error.stackTraceLimit;
  const near = typeof limit === 'number' ? Math.min(limit, NEAR_FRAMES) : limit;
  const site = siteOf(texts(captured(near), sourceMaps));
  if (site.file !== '<unknown>' || near === limit) return site;
  return siteOf(texts(captured(limit), sourceMaps));
}

/** The innermost frames above callSite's caller, as structures. */
function captured(limit: number): NodeJS.CallSite[] {
  const own = Error.prepareStackTrace;
  const ownLimit = Error.stackTraceLimit;
  Error.prepareStackTrace = structured as typeof Error.prepareStackTrace;
  Error.stackTraceLimit = limit;
  try {
    const holder: { stack?: unknown } = {};
    // From callSite's own frame, as `new Error()` inside it would be.
    Error.captureStackTrace(holder, captured);
    return holder.stack as NodeJS.CallSite[];
  } finally {
    Error.prepareStackTrace = own;
    Error.stackTraceLimit = ownLimit;
  }
}

function* texts(frames: NodeJS.CallSite[], sourceMaps: boolean) {
  for (const f of frames) {
    // A frame in the compiler or a package is skipped by siteOf whatever its text: its source
    // map, if any, leads to the same place (formatting and mapping it was most of callSite).
    const name = f.getFileName();
    if (name && notProject(name)) continue;
    yield frameText(f, sourceMaps);
  }
}

const NEAR_FRAMES = 4;
