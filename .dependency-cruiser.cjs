/**
 * The layers of the code base as rules (`npm run lint:deps`, run by .ci/run); the README's "Layout"
 * section describes them. Type-only imports count too: a layer that names another's types depends on it.
 */

/**
 * What each folder of src/ may import, besides itself. Every folder is above the folders it lists,
 * and the lists form no cycle, so the folders of src/ import each other one way only. The files
 * directly in src/ (app.module.ts, main.ts, cli.ts, openapi.ts, …) are the top: they may import
 * every folder, and no folder imports them.
 */
const SRC_LAYERS = {
  // The base: settings, and what every feature uses (auth, crypto, HTTP, logging). They know no feature.
  config: [],
  common: ['config'],
  // Features that need no other feature.
  admin: ['config', 'common'],
  health: ['config', 'common'],
  configuration: ['config', 'common'],
  organizations: ['config', 'common'],
  xelion: ['config', 'common'],
  // Metrics implements the Xelion client's observer (xelion.observer.ts); features register their gauges into it.
  metrics: ['config', 'common', 'xelion'],
  credentials: ['config', 'common', 'organizations'],
  webhooks: ['config', 'common', 'organizations', 'metrics'],
  // Park orders check, when accepted or retried, that stored park.* credentials apply (credentials are below orders).
  orders: ['config', 'common', 'configuration', 'organizations', 'credentials', 'webhooks', 'metrics'],
  provisioning: ['config', 'common', 'configuration', 'organizations', 'credentials', 'webhooks', 'orders', 'xelion', 'metrics'],
  // The schema's owner: every entity (entities.ts), the migrations, the root organization on a new
  // database. Features get their DataSource injected and never import it.
  database: ['config', 'common', 'organizations', 'credentials', 'webhooks', 'orders'],
};

const folders = (names) => `^src/(${names.join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...Object.entries(SRC_LAYERS).map(([folder, allowed]) => ({
      name: `layer-src-${folder}`,
      severity: 'error',
      comment: `src/${folder}/ may import only ${allowed.length ? allowed.map((name) => `src/${name}/`).join(', ') : 'no other folder of src/'} (.dependency-cruiser.cjs, SRC_LAYERS)`,
      from: { path: `^src/${folder}/` },
      to: { path: '^src/', pathNot: folders([folder, ...allowed]) },
    })),
    {
      name: 'layer-src-unlisted-folder',
      severity: 'error',
      comment: 'every folder of src/ that imports another has a place in SRC_LAYERS (.dependency-cruiser.cjs)',
      from: { path: '^src/[^/]+/', pathNot: folders(Object.keys(SRC_LAYERS)) },
      to: { path: '^src/' },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment:
        'folders import each other one way (counted folder by folder, not only file by file); inside one folder of src/ ' +
        'its sub-folders count as that folder (SRC_LAYERS orders the folders of src/)',
      scope: 'folder',
      from: { pathNot: '^src/[^/]+/.+' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycles',
      severity: 'error',
      comment: 'no import cycle between files',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-imports-no-tools',
      severity: 'error',
      comment: 'the service never imports the tools, benchmarks, chaos suite, scripts, tests or the packages',
      from: { path: '^src/' },
      to: { path: '^(tools|bench|chaos|scripts|test|packages)/' },
    },
    {
      name: 'tools-import-no-test-support',
      severity: 'error',
      comment: 'test/ is for the tests: what tools, benchmarks, chaos and scripts share lives in tools/',
      from: { path: '^(tools|bench|chaos|scripts)/' },
      to: { path: '^test/' },
    },
    {
      name: 'tools-below-their-users',
      severity: 'error',
      comment: 'tools/ serves bench/, chaos/, scripts/ and test/, and imports none of them',
      from: { path: '^tools/' },
      to: { path: '^(bench|chaos|scripts)/' },
    },
    {
      name: 'scripts-below-bench-and-chaos',
      severity: 'error',
      comment: 'scripts/ may be used by bench/ and chaos/, not the other way round; bench/ and chaos/ are independent',
      from: { path: '^scripts/' },
      to: { path: '^(bench|chaos)/' },
    },
    {
      name: 'bench-and-chaos-independent',
      severity: 'error',
      from: { path: '^(bench|chaos)/' },
      to: { path: '^(bench|chaos)/', pathNot: '^$1/' },
    },
    {
      name: 'simulator-knows-no-service',
      severity: 'error',
      comment: 'the Xelion simulator implements the Xelion contract, not the service (tools/xelion-simulator/README.md)',
      from: { path: '^tools/xelion-simulator/' },
      to: { path: '^src/' },
    },
    {
      name: 'packages-standalone',
      severity: 'error',
      comment: 'the published packages (client, CLI) import nothing of this repository outside packages/',
      from: { path: '^packages/' },
      to: { path: '^(src|tools|bench|chaos|scripts|test)/' },
    },
  ],
  options: {
    includeOnly: '^(src|tools|bench|chaos|scripts|packages|test)/',
    exclude: { path: '(^|/)(node_modules|dist)/' },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mts', '.js', '.mjs', '.json'], exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
