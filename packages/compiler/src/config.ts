/** A deployment target of a project. */
export type TargetConfig =
  | { readonly engine: 'pglite'; readonly dataDir?: string }
  | { readonly engine: 'postgres'; readonly url?: string }
  | { readonly engine: 'redshift'; readonly url?: string };

export interface ProjectConfig {
  readonly name: string;
  readonly modelsDir?: string;
  readonly macrosDir?: string;
  /** Turn an MV that Redshift would recompute fully into an error (CI). */
  readonly requireIncremental?: boolean;
  readonly targets?: Readonly<Record<string, TargetConfig>>;
  readonly defaultTarget?: string;
  /** Where `mvkit load` picks up CDC files. */
  readonly landingDir?: string;
  /** The operational database that served models are synced into (`mvkit sync`). */
  readonly operational?: OperationalConfig;
}

/**
 * The operational database (Aurora PostgreSQL in production). Without a url: an embedded PGlite
 * under `dataDir` (default `.mvkit/operational`), which needs no setup but has no roles, so its
 * row-level security is not enforced (it is on any Postgres reached by url).
 */
export interface OperationalConfig {
  readonly url?: string;
  readonly dataDir?: string;
  /** The role the application reads with (SELECT only, under row-level security). Default mvkit_app. */
  readonly appRole?: string;
}

export function defineConfig(config: ProjectConfig): ProjectConfig {
  return config;
}

/** The engines a target may name; the local engine runs on the first two. */
export const ENGINES = ['pglite', 'postgres', 'redshift'] as const;
export type EngineName = (typeof ENGINES)[number];

/** A target the config declares with an engine mvkit does not have. */
export interface ConfigProblem {
  readonly target: string;
  readonly message: string;
  readonly hint: string;
  /** A literal to find the line of in the config file. */
  readonly near: string;
}

/**
 * What the config declares that mvkit cannot honour. An unknown engine would otherwise fall
 * through to the local engine and run the project somewhere the user did not ask for.
 */
export function configProblems(config: ProjectConfig): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const targets = config.targets ?? {};
  if (typeof targets !== 'object' || targets === null || Array.isArray(targets)) {
    return [{ target: '', message: '`targets` must be an object of named targets', hint: "targets: { local: { engine: 'pglite' } }", near: 'targets' }];
  }
  for (const [name, t] of Object.entries(targets)) {
    const engine = (t as { engine?: unknown } | null)?.engine;
    if (!(ENGINES as readonly unknown[]).includes(engine)) {
      out.push({
        target: name,
        message: `target "${name}" has engine ${engine === undefined ? '(none)' : JSON.stringify(engine)}, which mvkit does not have; engines: ${ENGINES.join(', ')}`,
        hint: `set engine to one of ${ENGINES.map((e) => `'${e}'`).join(', ')} in the target "${name}"`,
        near: typeof engine === 'string' ? engine : name,
      });
    }
  }
  out.push(...operationalProblems(config.operational));
  // `local` (PGlite) and `postgres` exist without being declared.
  if (config.defaultTarget !== undefined && !(config.defaultTarget in targets) && !['local', 'postgres'].includes(config.defaultTarget)) {
    out.push({
      target: config.defaultTarget,
      message: `defaultTarget "${config.defaultTarget}" is not one of the targets (${[...Object.keys(targets), 'local', 'postgres'].filter((n, i, a) => a.indexOf(n) === i).join(', ')})`,
      hint: 'name a declared target, or declare it under targets',
      near: config.defaultTarget,
    });
  }
  return out;
}

const ROLE = /^[a-z_][a-z0-9_]{0,62}$/;

/** An `operational` block mvkit cannot use: found when the config loads, not at the first sync. */
function operationalProblems(op: unknown): ConfigProblem[] {
  if (op === undefined) return [];
  if (typeof op !== 'object' || op === null || Array.isArray(op)) {
    return [{ target: 'operational', message: '`operational` must be an object', hint: "operational: { url: 'postgres://…' } or operational: {} for the embedded default", near: 'operational' }];
  }
  const o = op as Record<string, unknown>;
  const out: ConfigProblem[] = [];
  for (const k of Object.keys(o)) {
    if (!['url', 'dataDir', 'appRole'].includes(k)) out.push({ target: 'operational', message: `operational has no option "${k}"`, hint: 'its options: url, dataDir, appRole', near: k });
  }
  for (const k of ['url', 'dataDir', 'appRole'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string') out.push({ target: 'operational', message: `operational.${k} must be a string`, hint: `operational: { ${k}: '…' }`, near: k });
  }
  if (typeof o.appRole === 'string' && !ROLE.test(o.appRole)) {
    out.push({ target: 'operational', message: `operational.appRole "${o.appRole}" is not a plain role name`, hint: 'lower-case letters, digits and underscores, starting with a letter or underscore (default mvkit_app)', near: o.appRole });
  }
  return out;
}
