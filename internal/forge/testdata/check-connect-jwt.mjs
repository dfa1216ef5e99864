// Runs the starter app's src/migration/connect-jwt.js on JWT/qsh vectors
// and prints what it computed, for the Go test to compare with the vectors
// (atlassian-jwt's answers) and with internal/connectjwt.
// Usage: node check-connect-jwt.mjs CONNECT_JWT_JS QSH_VECTORS JWT_VECTORS
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [modPath, qshPath, jwtPath] = process.argv.slice(2);
const jwt = await import(pathToFileURL(modPath).href);
const qshVectors = JSON.parse(readFileSync(qshPath, 'utf8')).vectors;
const jwtVectors = JSON.parse(readFileSync(jwtPath, 'utf8')).vectors;

const out = { qsh: [], jwt: [] };
for (const v of qshVectors) {
  try {
    out.qsh.push({ canonical: jwt.canonicalRequest(v.method, v.url, v.baseUrl || undefined), qsh: jwt.queryStringHash(v.method, v.url, v.baseUrl || undefined) });
  } catch (e) {
    out.qsh.push({ error: String(e.message || e) });
  }
}
for (const v of jwtVectors) {
  out.jwt.push({ qsh: jwt.queryStringHash(v.method, v.url, v.baseUrl || undefined), token: jwt.signToken(v.payload, v.secret) });
}
process.stdout.write(JSON.stringify(out));
