// A real browser on hearthd's Server-Sent Events (GET /v1/watch): headless Debian chromium,
// driven by playwright-core, runs a page whose EventSource watches one config. The test checks
// that the page gets the snapshot, a live update after a file edit, and, after the connection is
// closed from the server side, resumes by itself with Last-Event-ID: the edits made while it
// was away arrive once (the latest state), then live updates go on; nothing lost or repeated.
//
// hearthd serves no pages and sends no CORS headers, so a small node server on 127.0.0.1:0
// serves the page at / and streams /v1/watch through to hearthd (same origin for the page). That
// proxy is also the "server side" that drops the connection, and it records the Last-Event-ID
// header of each watch request and the raw stream it relays.
//
// Usage: node eventsource_test.mjs HEARTHD
// Exits 0 with a one-line summary, or 1 with the reason. Needs /usr/bin/chromium (.ci/dev deps).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const kChromium = '/usr/bin/chromium';
const kDeadlineMs = 20000;  // for each awaited condition
const kConfig = 'app';

const kPage = `<!doctype html>
<meta charset="utf-8">
<title>hearth watch</title>
<script>
  window.events = [];  // every event: {type, lastEventId, data}
  window.log = [];     // 'open', and 'error:<readyState>' (0: reconnecting, 2: given up)
  const source = new EventSource('/v1/watch?names=${kConfig}');
  for (const type of ['snapshot', 'synced', 'updated', 'deleted', 'config_error', 'progress',
                      'reset', 'message']) {
    source.addEventListener(type, (e) => {
      window.events.push({type, lastEventId: e.lastEventId, data: e.data});
    });
  }
  source.onopen = () => window.log.push('open');
  source.onerror = () => window.log.push('error:' + source.readyState);
</script>
`;

class TestFailure extends Error {}

function Check(condition, message) {
  if (!condition) throw new TestFailure(message);
}

// Polls `probe` (sync or async) until it returns a truthy value, which it returns; fails with
// `what` after kDeadlineMs.
async function WaitFor(what, probe) {
  const deadline = Date.now() + kDeadlineMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new TestFailure(`timed out after ${kDeadlineMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// Replaces the config's only file in one step (write a temp file, rename over), as an editor or
// a deploy tool does.
function WriteConfig(root, value) {
  const dir = path.join(root, kConfig);
  fs.mkdirSync(dir, {recursive: true});
  const tmp = path.join(dir, '.00.toml.tmp');
  fs.writeFileSync(tmp, `value = ${value}\n`);
  fs.renameSync(tmp, path.join(dir, '00.toml'));
}

// hearthd's child process, its log, and the HTTP address it printed.
class Daemon {
  constructor(binary, root) {
    this.log = '';
    this.exited = null;
    this.child = spawn(binary, ['serve', '--root', root, '--http-listen', '127.0.0.1:0',
                                '--grpc-listen', '127.0.0.1:0', '--metrics-listen', ''],
                       {stdio: ['ignore', 'pipe', 'pipe']});
    this.child.on('error', (e) => { this.exited = `could not start ${binary}: ${e.message}`; });
    this.child.on('exit', (code, signal) => { this.exited = `exited (${signal ?? code})`; });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => { this.log += chunk; });
    }
  }

  async Port() {
    return WaitFor('hearthd logs "serving HTTP on 127.0.0.1:PORT"', () => {
      if (this.exited) throw new TestFailure(`hearthd ${this.exited}:\n${this.log}`);
      const m = /serving HTTP on 127\.0\.0\.1:(\d+)/.exec(this.log);
      return m ? Number(m[1]) : 0;
    });
  }

  async Stop() {
    if (this.exited || this.child.exitCode !== null) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}

// GET on hearthd itself, not through the proxy: the config's JSON document.
function GetDocument(port) {
  return new Promise((resolve, reject) => {
    http.get({host: '127.0.0.1', port, path: `/v1/configs/${kConfig}`, agent: false}, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve(res.statusCode === 200 ? JSON.parse(body) : null));
    }).on('error', reject);
  });
}

// Serves the page and relays /v1/watch to hearthd without buffering. Each watch request is
// recorded as {lastEventId, raw}: the Last-Event-ID header it carried (null if none) and the
// stream text relayed so far. Watch requests arriving while `holding` wait until Release().
class Proxy {
  constructor(upstreamPort) {
    this.upstreamPort = upstreamPort;
    this.watches = [];
    this.active = new Set();  // {upstream request, downstream socket} of open watches
    this.holding = false;
    this.held = [];
    this.server = http.createServer((req, res) => this.Serve(req, res));
  }

  Listen() {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve(this.server.address().port));
    });
  }

  Serve(req, res) {
    if (req.method === 'GET' && req.url === '/') {
      res.writeHead(200, {'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store'});
      res.end(kPage);
      return;
    }
    if (req.method !== 'GET' || !req.url.startsWith('/v1/watch')) {
      res.writeHead(404, {'Content-Type': 'text/plain'});
      res.end('not found\n');
      return;
    }
    const watch = {lastEventId: req.headers['last-event-id'] ?? null, raw: ''};
    this.watches.push(watch);
    if (this.holding) {
      this.held.push(() => this.Relay(req, res, watch));
    } else {
      this.Relay(req, res, watch);
    }
  }

  Relay(req, res, watch) {
    const headers = {accept: req.headers.accept ?? 'text/event-stream'};
    if (watch.lastEventId !== null) headers['last-event-id'] = watch.lastEventId;
    const upstream = http.request({host: '127.0.0.1', port: this.upstreamPort, path: req.url,
                                   headers, agent: false});
    const pair = {upstream, socket: res.socket};
    this.active.add(pair);
    const done = () => this.active.delete(pair);
    upstream.on('response', (up) => {
      res.writeHead(up.statusCode, {'Content-Type': up.headers['content-type'] ?? 'text/plain',
                                    'Cache-Control': 'no-cache'});
      res.flushHeaders();
      up.setEncoding('utf8');
      up.on('data', (chunk) => {
        watch.raw += chunk;
        res.write(chunk);
      });
      up.on('end', () => { done(); res.end(); });
      up.on('error', () => { done(); res.destroy(); });
    });
    upstream.on('error', () => { done(); res.destroy(); });
    res.on('close', () => { done(); upstream.destroy(); });
    upstream.end();
  }

  // Closes every open watch from the server side: the browser sees its connection end.
  DropConnections() {
    const n = this.active.size;
    for (const {upstream, socket} of this.active) {
      upstream.destroy();
      socket?.destroy();
    }
    this.active.clear();
    return n;
  }

  Hold() { this.holding = true; }

  Release() {
    this.holding = false;
    for (const relay of this.held.splice(0)) relay();
  }

  Close() {
    this.DropConnections();
    this.server.closeAllConnections?.();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// The {event, id} of each event the stream itself gave an `id:` line, over all watch requests,
// in order.
function StreamIds(watches) {
  const out = [];
  for (const w of watches) {
    for (const block of w.raw.split(/\r?\n\r?\n/)) {
      const id = /^id: ?(.*)$/m.exec(block);
      const event = /^event: ?(.*)$/m.exec(block);
      if (id) out.push({event: event ? event[1] : 'message', id: id[1]});
    }
  }
  return out;
}

function Revision(id) {
  const m = /^(\d+)@(.+)$/.exec(id);
  Check(m, `event id ${JSON.stringify(id)} is not REVISION@INSTANCE`);
  return {revision: Number(m[1]), instance: m[2]};
}

// `cleanups` gets what to undo, last first: {run} awaited at the end, and {now} for an exit
// that cannot wait.
async function Run(binary, cleanups, context) {
  Check(fs.existsSync(kChromium), `${kChromium} not found: run .ci/dev deps (Debian chromium)`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-browser-'));
  const removeRoot = () => fs.rmSync(root, {recursive: true, force: true});
  cleanups.push({run: removeRoot, now: removeRoot});
  WriteConfig(root, 0);

  const daemon = new Daemon(binary, root);
  context.daemon = daemon;
  cleanups.push({run: () => daemon.Stop(), now: () => daemon.child.kill('SIGKILL')});
  const hearthPort = await daemon.Port();
  await WaitFor('hearthd has loaded the config', async () => (await GetDocument(hearthPort)));

  const proxy = new Proxy(hearthPort);
  cleanups.push({run: () => proxy.Close()});
  const proxyPort = await proxy.Listen();

  // Imported here, once the exit handlers are in place (the import takes a while).
  const {chromium} = await import('playwright-core').catch((e) => {
    throw new TestFailure(`cannot load playwright-core (run tests/browser/install_node_deps.sh): ` +
                          e.message);
  });
  const browser = await chromium.launch({
    executablePath: kChromium,
    headless: true,
    // Loopback only: no name resolves, so nothing leaves the machine.
    args: ['--no-sandbox', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
  });
  cleanups.push({run: () => browser.close()});  // playwright kills it on exit itself
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`http://127.0.0.1:${proxyPort}/`);
  context.page = page;

  const events = () => page.evaluate(() => window.events);
  const waitEvents = (what, probe) => WaitFor(what, async () => {
    const list = await events();
    return probe(list) ? list : null;
  });
  const value = (e) => JSON.parse(e.data).document?.value;

  // 1. The snapshot (no id), then synced with the first id.
  let list = await waitEvents('snapshot and synced', (l) => l.some((e) => e.type === 'synced'));
  Check(list.length === 2 && list[0].type === 'snapshot' && list[1].type === 'synced',
        `expected [snapshot, synced], got ${JSON.stringify(list)}`);
  Check(value(list[0]) === 0 && list[0].lastEventId === '',
        `the snapshot should have value 0 and no id: ${JSON.stringify(list[0])}`);
  const first = Revision(list[1].lastEventId);
  Check(JSON.parse(list[1].data).revision === first.revision,
        `synced's data and id disagree: ${JSON.stringify(list[1])}`);

  // 2. A file edit arrives live, with its own id.
  WriteConfig(root, 1);
  list = await waitEvents('the live update to value 1',
                          (l) => l.some((e) => e.type === 'updated' && value(e) === 1));
  const live1 = list.find((e) => e.type === 'updated' && value(e) === 1);
  Check(live1.lastEventId === `${JSON.parse(live1.data).revision}@${first.instance}` &&
        Revision(live1.lastEventId).revision > first.revision,
        `the live update's id should be its revision@${first.instance}: ${JSON.stringify(live1)}`);
  const lastSeen = list[list.length - 1].lastEventId;
  const beforeDrop = list.length;

  // 3. The server side closes the connection; two edits while the page is away. The page's
  // reconnect is held at the proxy until hearthd has loaded the last edit, so they must come
  // from the resume and not as live events.
  proxy.Hold();
  Check(proxy.DropConnections() === 1, 'expected exactly one open watch to drop');
  for (const v of [2, 3]) {
    WriteConfig(root, v);
    await WaitFor(`hearthd has loaded value ${v}`,
                  async () => (await GetDocument(hearthPort))?.value === v);
  }
  await WaitFor('the browser reconnects by itself', () => proxy.watches.length === 2);
  Check(proxy.watches[0].lastEventId === null,
        `the first watch should carry no Last-Event-ID: ${proxy.watches[0].lastEventId}`);
  Check(proxy.watches[1].lastEventId === lastSeen,
        `the reconnect should carry Last-Event-ID ${JSON.stringify(lastSeen)}, ` +
        `got ${JSON.stringify(proxy.watches[1].lastEventId)}`);
  proxy.Release();

  list = await waitEvents('the resume ends with synced',
                          (l) => l.slice(beforeDrop).some((e) => e.type === 'synced'));
  const resumed = list.slice(beforeDrop).filter((e) => e.type !== 'progress');
  const resumedValues = resumed.filter((e) => e.type === 'updated').map(value);
  Check(resumed.every((e) => e.type === 'updated' || e.type === 'synced') &&
        resumed[resumed.length - 1].type === 'synced',
        `the resume should be updates then synced, no reset or snapshot: ` +
        JSON.stringify(resumed));
  Check(resumedValues.length >= 1 && resumedValues[resumedValues.length - 1] === 3 &&
        resumedValues.every((v, i) => v >= 2 && (i === 0 || v > resumedValues[i - 1])),
        `the resume should bring the edits made while away (2 and 3, or 3 alone), in order, ` +
        `ending with 3: got ${JSON.stringify(resumedValues)}`);
  const synced2 = resumed[resumed.length - 1];
  const second = Revision(synced2.lastEventId);
  Check(second.instance === first.instance && second.revision > Revision(lastSeen).revision,
        `the resumed synced id should be a later revision of ${first.instance}: ` +
        `${JSON.stringify(synced2)}`);
  const log = await page.evaluate(() => window.log);
  Check(JSON.stringify(log) === JSON.stringify(['open', 'error:0', 'open']),
        `the EventSource should open, error while reconnecting, open again: ` +
        JSON.stringify(log));

  // 4. Live updates go on after the resume.
  const beforeLive = list.length;
  WriteConfig(root, 4);
  list = await waitEvents('the live update to value 4 after the resume',
                          (l) => l.slice(beforeLive).some((e) => e.type === 'updated'));
  const live4 = list.slice(beforeLive).find((e) => e.type === 'updated');
  Check(value(live4) === 4 &&
        live4.lastEventId === `${JSON.parse(live4.data).revision}@${first.instance}` &&
        Revision(live4.lastEventId).revision > second.revision,
        `the update after the resume should be value 4 with a later id: ${JSON.stringify(live4)}`);

  // 5. Over the whole run: every value once, in order, none missing but the coalesced 2; each
  // id the stream carried (bar keepalive progress, which repeats the current one) only once.
  const values = list.filter((e) => e.type === 'snapshot' || e.type === 'updated').map(value);
  const expected = resumedValues.length === 2 ? [0, 1, 2, 3, 4] : [0, 1, 3, 4];
  Check(JSON.stringify(values) === JSON.stringify(expected),
        `the page should see the values ${JSON.stringify(expected)} once each, ` +
        `saw ${JSON.stringify(values)}`);
  const ids = StreamIds(proxy.watches).filter((e) => e.event !== 'progress').map((e) => e.id);
  Check(ids.every((id, i) => i === 0 || Revision(id).revision > Revision(ids[i - 1]).revision),
        `the ids on the stream should rise and never repeat: ${JSON.stringify(ids)}`);
  Check(pageErrors.length === 0, `the page threw: ${pageErrors.join('; ')}`);

  return `${list.length} events over ${proxy.watches.length} connections, values ` +
         `${JSON.stringify(values)}, resumed from ${lastSeen} to ${synced2.lastEventId}`;
}

async function Main() {
  const binary = process.argv[2];
  if (!binary) {
    console.error('usage: node eventsource_test.mjs HEARTHD');
    return 2;
  }
  const cleanups = [];
  const context = {};
  // Last resort if the process is killed or exits early: nothing is left running or on disk.
  const emergency = () => {
    for (const {now} of cleanups.splice(0).reverse()) {
      try { now?.(); } catch { /* best effort while exiting */ }
    }
  };
  process.on('exit', emergency);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => { emergency(); process.exit(1); });
  }
  const started = Date.now();
  let code = 0;
  try {
    const summary = await Run(binary, cleanups, context);
    console.log(`eventsource_test: PASS in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
                summary);
  } catch (e) {
    console.error(`eventsource_test: FAIL: ${e instanceof TestFailure ? e.message : e.stack}`);
    if (context.page) {
      const seen = await context.page.evaluate(() => ({events: window.events, log: window.log}))
          .catch(() => null);
      if (seen) console.error(`page events: ${JSON.stringify(seen)}`);
    }
    if (context.daemon) console.error(`hearthd log:\n${context.daemon.log}`);
    code = 1;
  } finally {
    for (const {run} of cleanups.splice(0).reverse()) {
      try { await run(); } catch (e) { console.error(`cleanup: ${e.message}`); }
    }
  }
  return code;
}

process.exitCode = await Main();
