import { readFileSync } from 'node:fs';
import { createProvisioningClient, type ProvisioningClient } from '@xelion-provisioning/client';
import { UsageError } from './xprov.output.js';

/** The global options (`--url`, `--api-key`, `--json`), after the environment's defaults. */
export interface GlobalOptions {
  url: string;
  apiKey?: string;
  json: boolean;
}

export const DEFAULT_URL = 'http://localhost:3000';

export function clientFor(options: GlobalOptions, needsKey = true): ProvisioningClient {
  if (needsKey && !options.apiKey) {
    throw new UsageError('no API key: set XPROV_API_KEY or pass --api-key');
  }
  return createProvisioningClient({ baseUrl: options.url, apiKey: options.apiKey });
}

/** Reads and parses a JSON file (`-` = stdin). A missing or unparsable file is a usage error. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
}
