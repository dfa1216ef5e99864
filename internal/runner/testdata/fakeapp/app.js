'use strict';
// A stand-in for a generated app, for the runner's tests: it serves
// atlassian-connect.json with {{localBaseUrl}} replaced, as
// atlassian-connect-express does, and misbehaves as FAKE_MODE says:
//   slow         listens only after FAKE_DELAY_MS (default 500)
//   exit3        prints a line and exits with code 3 before listening
//   stubborn     ignores SIGTERM and SIGINT
//   child        starts a child process that ignores SIGTERM and SIGINT
//   wrongbase    serves another baseUrl than AC_LOCAL_BASE_URL
// In every mode, GET /exit?code=N makes it exit with code N (a crash
// after it was ready).
// Every start appends "start PID NODE_ENV" to the file FAKE_LOG, so tests
// can count restarts.
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { spawn } = require('node:child_process');

const mode = process.env.FAKE_MODE || '';
const port = Number(process.env.PORT);
const base = mode === 'wrongbase' ? 'https://elsewhere.example.com' : process.env.AC_LOCAL_BASE_URL;
fs.appendFileSync(process.env.FAKE_LOG, `start ${process.pid} ${process.env.NODE_ENV}\n`);

if (mode === 'exit3') {
  console.error('fakeapp: cannot start: something is missing');
  process.exit(3);
}
if (mode === 'stubborn' || mode === 'child') {
  // Handled, so node does not die of them; the child ignores them too.
  process.on('SIGTERM', () => console.log('fakeapp: ignoring SIGTERM'));
  process.on('SIGINT', () => console.log('fakeapp: ignoring SIGINT'));
}
if (mode === 'child') {
  const child = spawn(process.execPath, ['-e', `
    process.on('SIGTERM', () => {});
    process.on('SIGINT', () => {});
    console.log('fakeapp child: running as ' + process.pid);
    setInterval(() => {}, 1000);
  `], { stdio: 'inherit' });
  // The parent exits on SIGTERM and leaves its child behind.
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  process.on('SIGTERM', () => { console.log('fakeapp: exiting, child ' + child.pid + ' stays'); process.exit(0); });
}

function serve() {
  const server = http.createServer((req, res) => {
    if (req.url === '/atlassian-connect.json') {
      const desc = fs.readFileSync(path.join(__dirname, 'atlassian-connect.json'), 'utf8');
      res.setHeader('Content-Type', 'application/json');
      res.end(desc.split('{{localBaseUrl}}').join(base));
      return;
    }
    const exit = /^\/exit\?code=(\d+)$/.exec(req.url);
    if (exit) {
      res.end('bye');
      console.error(`fakeapp: exiting with code ${exit[1]}`);
      setImmediate(() => process.exit(Number(exit[1])));
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  server.listen(port, () => console.log(`fakeapp: listening on ${port}`));
}

if (mode === 'slow') {
  setTimeout(serve, Number(process.env.FAKE_DELAY_MS || 500));
} else {
  serve();
}
