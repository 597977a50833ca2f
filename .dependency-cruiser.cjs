/**
 * The project's import rules (`npm run lint` runs them): the layers are db → core → {functions, realtime} → infra,
 * each importing only from the layers before it. Test files and test helpers (`*.test.ts`, `testing.ts`,
 * `testing/`) may also use infra/ fixtures; infra/testing/ is the one place that starts both services together.
 */
const testFiles = '(\\.test\\.ts$|/testing\\.ts$|/testing/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module cycle: split the shared part out.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'functions-not-realtime',
      severity: 'error',
      comment: 'functions/ and realtime/ never import each other: what both need belongs in core/ or db/.',
      from: { path: '^functions/' },
      to: { path: '^realtime/' },
    },
    {
      name: 'realtime-not-functions',
      severity: 'error',
      comment: 'functions/ and realtime/ never import each other: what both need belongs in core/ or db/.',
      from: { path: '^realtime/' },
      to: { path: '^functions/' },
    },
    {
      name: 'db-is-the-bottom',
      severity: 'error',
      comment: 'db/ imports no other project folder (core/ builds on db/); report through db/diagnostics instead.',
      from: { path: '^db/', pathNot: testFiles },
      to: { path: '^(core|functions|realtime|infra)/' },
    },
    {
      name: 'db-tests-use-db-and-fixtures',
      severity: 'error',
      comment: 'db/ tests may use infra/ fixtures, never the services.',
      from: { path: '^db/' },
      to: { path: '^(functions|realtime)/' },
    },
    {
      name: 'core-below-services',
      severity: 'error',
      comment: 'core/ is shared by both services and must not depend on either.',
      from: { path: '^core/' },
      to: { path: '^(functions|realtime)/' },
    },
    {
      name: 'product-code-not-infra',
      severity: 'error',
      comment: 'infra/ (deployment, fixtures, test wiring) builds on the product, never the other way.',
      from: { path: '^(core|db|functions|realtime)/', pathNot: testFiles },
      to: { path: '^infra/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|infra/node24|\\.data|dist)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
