/**
 * `npm run lint:deps`: checks the imports against the layer rules in .dependency-cruiser.cjs (the
 * README's "Layout"). Runs dependency-cruiser through its API rather than its `depcruise` command,
 * which refuses Node 20 (this project supports Node >= 20.19, package.json "engines"); the API works on it.
 * Exit status: the number of violations (0 when the layers hold).
 */
import { createRequire } from 'node:module';
import { cruise } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const require = createRequire(import.meta.url);
const { forbidden, options } = require('../.dependency-cruiser.cjs');
const { tsConfig: tsConfigOption, ...cruiseOptions } = options;

const result = await cruise(
  ['src', 'tools', 'bench', 'chaos', 'scripts', 'packages', 'test'],
  { ...cruiseOptions, validate: true, ruleSet: { forbidden }, outputType: 'err' },
  undefined,
  { tsConfig: extractTSConfig(tsConfigOption.fileName) },
);
process.stdout.write(String(result.output));
process.exitCode = Math.min(result.exitCode, 125);
