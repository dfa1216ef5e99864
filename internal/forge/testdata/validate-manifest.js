// Runs Atlassian's manifest validator (@forge/manifest, a test-only
// dependency the Go tests install into a cache) on a manifest.yml: the FULL
// validation forge lint runs, and PRODUCT_TRIGGER, which checks that every
// trigger event has its scope. Prints {"full": {...}, "trigger": {...}}.
// Usage: NODE_PATH=<cache>/node_modules node validate-manifest.js DIR/manifest.yml
const { ProcessorBuilder, ValidationTypes } = require('@forge/manifest');

async function run(type, file) {
  const r = await ProcessorBuilder.instance().withValidation(type).build().process(file);
  return { success: r.success, errors: (r.errors || []).map((e) => ({ level: e.level, message: e.message, line: e.line, reference: e.reference })) };
}

(async () => {
  const file = process.argv[2];
  // The resources validator resolves resource paths against the working
  // directory's manifest folder.
  process.chdir(require('path').dirname(file));
  const out = { full: await run(ValidationTypes.FULL, file), trigger: await run(ValidationTypes.PRODUCT_TRIGGER, file) };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
})().catch((e) => {
  console.error(e && e.stack || e);
  process.exit(2);
});
