import type { Command } from 'commander';
import { registerAnalyze } from './analyze.ts';
import { registerApply } from './apply.ts';
import { registerCompile } from './compile.ts';
import { registerDemo } from './demo.ts';
import { registerDev } from './dev.ts';
import { registerGenerate } from './generate.ts';
import { registerGraph } from './graph.ts';
import { registerInit } from './init.ts';
import { registerLoad } from './load.ts';
import { registerPlan } from './plan.ts';
import { registerRefresh } from './refresh.ts';
import { registerRun } from './run.ts';
import { registerStatus } from './status.ts';
import { registerValidate } from './validate.ts';
import { registerVerify } from './verify.ts';
import { registerJanitor } from './janitor.ts';
import { registerPromote } from './promote.ts';
import { registerRollback } from './rollback.ts';

/** Adds one command (its options and action) to the program. */
export type RegisterCommand = (program: Command) => void;

/** Every command of the CLI, in the order `mvkit --help` lists them (the README's order). */
export const COMMANDS: readonly RegisterCommand[] = [
  registerInit, registerCompile, registerValidate, registerGraph, registerAnalyze,
  registerPlan, registerApply, registerRefresh, registerStatus, registerVerify, registerDev,
  registerGenerate, registerLoad, registerRun, registerDemo,
  registerRollback, registerPromote, registerJanitor,
];
