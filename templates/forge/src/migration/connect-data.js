// The data migration from the Connect app, without Forge dependencies so
// that it can be tried outside Forge (connectgen's local Bitbucket host
// answers the same endpoints). src/migration/index.js wires it to Forge.
//
// Atlassian's documented path (Connect → Forge migration tooling for
// Bitbucket):
//   1. the Connect descriptor names this Forge app in forgeAppId, and the
//      Connect installations were updated to it;
//   2. the Forge app asks Bitbucket, as the app, for the client key of the
//      Connect installation in the same workspace:
//      GET /2.0/addon/{addon_key}/client-key;
//   3. with the shared secret the Connect app saved for that client key, it
//      signs Connect JWTs and reads the Connect app's data.
// The client-key endpoint goes away when Bitbucket ends Connect support
// (2027-01-31): migrate before then.
import { connectToken } from './connect-jwt.js';

// fetchConnectClientKey asks Bitbucket for the linked Connect
// installation's client key. requestClientKey(addonKey) sends
// GET /2.0/addon/{addon_key}/client-key as the app: in Forge,
// api.asApp().requestBitbucket(route`/2.0/addon/${addonKey}/client-key`).
export async function fetchConnectClientKey(requestClientKey, addonKey) {
  const res = await requestClientKey(addonKey);
  const body = await res.text();
  if (res.status === 404) {
    throw new Error(`no Connect installation of ${addonKey} is linked to this Forge app in this workspace (404): is forgeAppId in the Connect descriptor, and were the installations updated?`);
  }
  if (!res.ok) {
    throw new Error(`client-key request failed: ${res.status} ${body.slice(0, 200)}`);
  }
  // The response body is not documented: accept JSON with a clientKey
  // (or client_key) field, a JSON string, or plain text.
  try {
    const v = JSON.parse(body);
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object') return v.clientKey || v.client_key || v.key;
  } catch (e) {
    // not JSON: plain text
  }
  return body.trim();
}

// connectRequest calls Bitbucket's REST API as the Connect app installation
// (Authorization: JWT …). fetch is Forge's fetch from @forge/api, which
// needs permissions.external.fetch.backend for the API host.
export async function connectRequest({ fetch, apiBaseUrl, appKey, clientKey, sharedSecret, method = 'GET', path, body, now }) {
  const token = connectToken({ appKey, clientKey, sharedSecret, method, url: path, now });
  const headers = { Authorization: `JWT ${token}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(apiBaseUrl.replace(/\/$/, '') + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

// migrate runs the whole path once: the client key, the shared secret the
// Connect app saved for it (lookupSharedSecret), then each read. It returns
// what it read, keyed by path, for the caller to store.
export async function migrate({ requestClientKey, fetch, apiBaseUrl, appKey, lookupSharedSecret, paths }) {
  const clientKey = await fetchConnectClientKey(requestClientKey, appKey);
  const sharedSecret = await lookupSharedSecret(clientKey);
  if (!sharedSecret) {
    throw new Error(`no saved shared secret for the Connect installation ${clientKey}: copy it from the Connect app's store first (see README)`);
  }
  const data = {};
  for (const path of paths) {
    const res = await connectRequest({ fetch, apiBaseUrl, appKey, clientKey, sharedSecret, path });
    const text = await res.text();
    if (!res.ok) throw new Error(`GET ${path} as the Connect app: ${res.status} ${text.slice(0, 200)}`);
    data[path] = text ? JSON.parse(text) : null;
  }
  return { clientKey, data };
}
