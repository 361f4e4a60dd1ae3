#!/usr/bin/env node
import { CommanderError } from 'commander';
import { ApiRequestError } from '@xelion-provisioning/client';
import { createProgram } from './xprov.program.js';
import { EXIT, printJson, UsageError } from './xprov.output.js';

const program = createProgram();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeOf(error, program.opts<{ json?: boolean }>().json === true);
}

function exitCodeOf(error: unknown, json: boolean): number {
  if (error instanceof CommanderError) {
    // --help and --version end here too, with exit code 0; commander printed the message already.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`xprov: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof ApiRequestError) {
    if (json && error.body) printJson(error.body);
    process.stderr.write(`xprov: ${error.message}\n`);
    for (const detail of error.body?.details ?? []) process.stderr.write(`  ${detail.field}: ${detail.message}\n`);
    for (const item of error.body?.errors ?? []) process.stderr.write(`  ${item.path}: ${item.message}\n`);
    return EXIT.failed;
  }
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    process.stderr.write(`xprov: cannot reach the service (${cause?.code ?? cause?.message ?? 'network error'}); check --url or XPROV_URL\n`);
    return EXIT.failed;
  }
  process.stderr.write(`xprov: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.failed;
}
