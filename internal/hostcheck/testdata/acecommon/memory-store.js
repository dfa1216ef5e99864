'use strict';
// A store adapter for atlassian-connect-express that keeps installations
// in memory, so the test apps need no database driver.
class MemoryStore {
  constructor() { this.data = new Map(); }
  key(key, clientKey) { return clientKey ? `${clientKey}:${key}` : key; }
  async get(key, clientKey) { const v = this.data.get(this.key(key, clientKey)); return v === undefined ? null : JSON.parse(v); }
  async set(key, val, clientKey) { this.data.set(this.key(key, clientKey), JSON.stringify(val)); return this.get(key, clientKey); }
  async saveInstallation(val, clientKey) { return this.set('clientInfo', val, clientKey); }
  async del(key, clientKey) {
    if (clientKey === undefined) { clientKey = key; key = 'clientInfo'; }
    this.data.delete(this.key(key, clientKey));
  }
  async getAllClientInfos() {
    return [...this.data.entries()].filter(([k]) => k.endsWith(':clientInfo')).map(([, v]) => JSON.parse(v));
  }
  isMemoryStore() { return true; }
  async associateInstallations() {}
  async deleteAssociation() {}
  async getClientSettingsForForgeInstallation() { return null; }
}

module.exports = (ace) => ace.store.register('testmemory', () => new MemoryStore());
