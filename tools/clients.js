// Third-party writers for the sync tests: PouchDB 9 for Node (an offline client that replicates with
// new_edits:false) and nano (Apache CouchDB's Node client). One JSON command on argv, one JSON answer on stdout.
'use strict';
const path = require('path');
const modules = path.join(__dirname, '..', '.cache', 'npm', 'node_modules');
const PouchDB = require(path.join(modules, 'pouchdb-node'));
const nano = require(path.join(modules, 'nano'));

async function offlineEdit(cmd) {
  // pull the server's database into a local PouchDB, edit one document there offline, then replicate back
  const local = new PouchDB(cmd.dir);
  await PouchDB.replicate(cmd.url, local);
  const doc = await local.get(cmd.id);
  Object.assign(doc.data, cmd.data || {});
  Object.assign(doc, cmd.top || {});
  const put = await local.put(doc);
  const fs = require('fs');
  if (cmd.ready) { fs.writeFileSync(cmd.ready, put.rev); }  // edited offline: the test may edit the server now
  if (cmd.wait) {  // ... and a file appearing says "go on"
    while (!fs.existsSync(cmd.wait)) { await new Promise((r) => setTimeout(r, 50)); }
  }
  const pushed = await PouchDB.replicate(local, cmd.url);
  await local.close();
  return {rev: put.rev, docs_written: pushed.docs_written, errors: pushed.errors.length};
}

async function attach(cmd) {
  // an ordinary PouchDB client adding an attachment and a top-level field to a document on the server
  const remote = new PouchDB(cmd.url);
  const doc = await remote.get(cmd.id);
  Object.assign(doc, cmd.top || {});
  doc._attachments = Object.assign(doc._attachments || {}, {
    [cmd.name]: {content_type: 'text/plain', data: Buffer.from(cmd.text).toString('base64')},
  });
  const put = await remote.put(doc);
  return {rev: put.rev};
}

async function nanoInsert(cmd) {
  // each write through nano: the HTTP status and the server's reason
  const db = nano(cmd.server).use(cmd.db);
  const out = [];
  for (const doc of cmd.docs) {
    try {
      const answer = await db.insert(doc);
      out.push({status: 201, rev: answer.rev});
    } catch (err) {
      out.push({status: err.statusCode, reason: err.reason || err.message});
    }
  }
  return out;
}

async function nanoGet(cmd) {
  return nano(cmd.server).use(cmd.db).get(cmd.id, cmd.params || {});
}

async function replication(cmd) {
  // the baseline a user compares us with: PouchDB 9's own replication, push then a fresh pull, same server
  require('fs').mkdirSync(cmd.dir, {recursive: true});
  const filled = new PouchDB(path.join(cmd.dir, 'filled'));
  await PouchDB.replicate(cmd.source, filled);  // the same documents, before the clock starts
  let start = process.hrtime.bigint();
  const pushed = await PouchDB.replicate(filled, cmd.target);
  const push = Number(process.hrtime.bigint() - start) / 1e9;
  const fresh = new PouchDB(path.join(cmd.dir, 'fresh'));
  start = process.hrtime.bigint();
  const pulled = await PouchDB.replicate(cmd.target, fresh);
  const pull = Number(process.hrtime.bigint() - start) / 1e9;
  await filled.destroy();
  await fresh.destroy();
  return {push, pull, pushed: pushed.docs_written, pulled: pulled.docs_written};
}

const OPS = {replication, offline_edit: offlineEdit, attach, nano_insert: nanoInsert, nano_get: nanoGet};

(async () => {
  const cmd = JSON.parse(process.argv[2]);
  const answer = await OPS[cmd.op](cmd);
  process.stdout.write(JSON.stringify(answer));
})().catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
