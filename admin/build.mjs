// Builds the admin page (issue 7) into dist/admin, or into the directory given as the first argument:
// tsc compiles admin/src to ES modules, then the static files (index.html, admin.css) are copied next to them.
// No bundler: the browser loads the modules from the same origin.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'dist', 'admin'));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// The page's API types come from the client package's generated declarations: build it first (incremental).
execFileSync(process.execPath, [tsc, '-b', join(root, 'packages', 'client')], { stdio: 'inherit', cwd: root });
execFileSync(process.execPath, [tsc, '-p', join(root, 'admin', 'tsconfig.json'), '--outDir', out], { stdio: 'inherit', cwd: root });
cpSync(join(root, 'admin', 'static'), out, { recursive: true });
