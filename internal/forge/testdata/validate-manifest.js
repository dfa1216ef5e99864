// Runs Atlassian's manifest validator (@forge/manifest, a test-only
// dependency the Go tests install into a cache) on manifest.yml files: the
// FULL validation forge lint runs, and PRODUCT_TRIGGER, which checks that
// every trigger event has its scope. One process for all files, because
// compiling Forge's 2 MB schema takes seconds.
// Usage: NODE_PATH=<cache>/node_modules node validate-manifest.js A/manifest.yml B/manifest.yml…
// Prints {"<file>": {"full": {...}, "trigger": {...}}, …}.
const path = require('path');
const { ProcessorBuilder, ValidationTypes } = require('@forge/manifest');

async function run(type, file) {
  const r = await ProcessorBuilder.instance().withValidation(type).build().process(file);
  return { success: r.success, errors: (r.errors || []).map((e) => ({ level: e.level, message: e.message, line: e.line, reference: e.reference })) };
}

(async () => {
  const out = {};
  for (const file of process.argv.slice(2)) {
    // The resources validator reads resource paths next to the manifest.
    process.chdir(path.dirname(path.resolve(file)));
    out[file] = { full: await run(ValidationTypes.FULL, file), trigger: await run(ValidationTypes.PRODUCT_TRIGGER, file) };
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
})().catch((e) => {
  console.error((e && e.stack) || e);
  process.exit(2);
});
