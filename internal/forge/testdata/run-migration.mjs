// Runs the starter app's data migration (src/migration/connect-data.js)
// outside Forge, against connectgen's local Bitbucket host: requestClientKey
// is a plain fetch that names the Forge app in the local host's header, as
// Forge's asApp() authenticates the app to Bitbucket.
// Usage: node run-migration.mjs CONNECT_DATA_JS  (settings in MIGRATION_* variables)
import { pathToFileURL } from 'node:url';

const mod = await import(pathToFileURL(process.argv[2]).href);
const env = process.env;
const api = env.MIGRATION_API_URL;
try {
  const result = await mod.migrate({
    requestClientKey: (key) => fetch(api + '/2.0/addon/' + encodeURIComponent(key) + '/client-key', { headers: { [env.MIGRATION_FORGE_HEADER]: env.MIGRATION_FORGE_APP_ID } }),
    fetch,
    apiBaseUrl: api,
    appKey: env.MIGRATION_APP_KEY,
    lookupSharedSecret: async (clientKey) => (clientKey === env.MIGRATION_CLIENT_KEY ? env.MIGRATION_SECRET : undefined),
    paths: JSON.parse(env.MIGRATION_PATHS),
  });
  process.stdout.write(JSON.stringify(result));
} catch (e) {
  process.stderr.write('migration failed: ' + e.message + '\n');
  process.exit(1);
}
