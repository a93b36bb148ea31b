"""The server's `validate_doc_update`, generated: the request rules are the domain's `rights.moves_table()` (from
the action table) written into the function as data, so the server and the desks' checks cannot drift."""

from __future__ import annotations

import json
from functools import cache

from triagedesk.domain.kinds import MODELS
from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.requests.actions import ACTIONS
from triagedesk.domain.requests.rights import moves_table
from triagedesk.domain.requests.states import STATE_NAMES
from triagedesk.sync.embedded import EMBEDDED
from triagedesk.sync.wire import shape_of

KINDS = tuple(MODELS)
"""The kinds a document's `_id` may name: every kind of `domain/kinds.py` (a new kind reaches the server with it)."""

_TEMPLATE = r"""function (newDoc, oldDoc, userCtx, secObj) {
  var roles = userCtx.roles || [];
  function has(role) { return roles.indexOf(role) !== -1; }
  function deny(reason) { throw({forbidden: reason}); }
  var admin = has('_admin');
  var id = newDoc._id || '';
  if (id.indexOf('_design/') === 0) { if (!admin) { deny('only a server admin changes design documents'); } return; }
  if (!admin && !has('coordinator') && !has('expert')) {
    deny(has('lead') ? 'a lead reads only' : 'this user has no triagedesk role (coordinator, expert or lead)');
  }
  var KINDS = __KINDS__;
  var WITHDRAWABLE = __WITHDRAWABLE__, STATE_NAMES = __NAMES__;
  var colon = id.indexOf(':');
  var kind = colon > 0 ? id.slice(0, colon) : '';
  var key = colon > 0 ? id.slice(colon + 1) : '';
  if (KINDS.indexOf(kind) === -1 || !key) { deny('_id must be KIND:ID with KIND one of ' + KINDS.join(', ')); }
  var me = null;
  for (var r = 0; r < roles.length; r++) {
    if (roles[r].indexOf('expert:') === 0) { me = roles[r].slice(7); }
  }
  var coordinator = admin || has('coordinator');
  var role = admin ? 'admin' : (has('coordinator') ? 'coordinator' : 'expert');
  if (newDoc._deleted) {
    if (kind === 'audit') { deny('audit entries are append-only: no deletion'); }
    if (!coordinator) { deny('only a coordinator deletes records'); }
    if (kind === 'requests' && oldDoc && !oldDoc._deleted && oldDoc.data) {
      var gone = oldDoc.data.status || 'pending_assignment';
      if (WITHDRAWABLE.indexOf(gone) === -1) {
        deny('only a request nothing has happened to is deleted (withdraw), not one ' + STATE_NAMES[gone]);
      }
    }
    return;
  }
  if (newDoc.type !== kind) { deny('type must be "' + kind + '", as the _id says'); }
  var d = newDoc.data;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) { deny('data must be an object'); }
  if (d.id !== undefined && d.id !== key) { deny('data.id must be "' + key + '", as the _id says'); }
  if (newDoc.updated_at !== undefined && newDoc.updated_at !== null && typeof newDoc.updated_at !== 'string') {
    deny('updated_at must be a string (an ISO time)');
  }
  var REQUIRED = {
    requests: {analysis_id: 'string', submitted_at: 'string', status: 'string?'},
    sessions: {issue_id: 'string', expert_id: 'string', started_at: 'string'},
    outcomes: {issue_id: 'string', expert_id: 'string', resolution_achieved: 'boolean', created_at: 'string'},
    corrections: {request_id: 'string', expert_id: 'string', field: 'string', created_at: 'string'},
    knowledge: {issue_id: 'string', title: 'string', created_at: 'string'},
    audit: {at: 'string', actor: 'string', action: 'string', kind: 'string', target_id: 'string'},
    issues: {title: 'string?', users_affected: 'number?', confidence: 'number?'},
    experts: {name: 'string?', rating: 'number?', current_workload: 'number?'},
    schedules: {layers: 'object', timezone: 'string?'},
    calendars: {kind: 'string?', timezone: 'string?'},
    outbox: {event: 'string', kind: 'string', status: 'string?', created_at: 'string'},
    alerts: {fingerprint: 'string', arrived_at: 'string', received_at: 'string'},
    maintenance: {starts_at: 'string', ends_at: 'string', reason: 'string', created_at: 'string'}
  };
  var fields = REQUIRED[kind];
  for (var f in fields) {
    var want = fields[f], optional = want.slice(-1) === '?', type = optional ? want.slice(0, -1) : want;
    if (d[f] === undefined || d[f] === null) {
      if (!optional) { deny('data.' + f + ' is required (' + type + ')'); }
    } else if (typeof d[f] !== type) { deny('data.' + f + ' must be a ' + type); }
  }
  var old = oldDoc && !oldDoc._deleted ? (oldDoc.data || {}) : null;
  if (kind === 'audit') {
    if (old) { deny('audit entries are append-only: no update'); }
    if (!admin && d.actor !== userCtx.name) { deny('an audit entry\'s actor must be the writing user'); }
    return;
  }
  // a stamp made for this revision (its `gen` is the new revision's number) must name the writing user; one carried
  // over from an earlier revision by another client's edit says nothing, and the desks read it so
  var by = newDoc.by, gen = oldDoc && oldDoc._rev ? parseInt(oldDoc._rev, 10) + 1 : 1;
  if (!admin && by !== null && typeof by === 'object' && by.gen === gen) {
    if (by.user !== userCtx.name || by.role !== role || (role === 'expert' && by.expert !== me)) {
      deny('by must name the writing user as the server knows them: ' + userCtx.name + ' (' + role + ')');
    }
  }
  // generated from the action table (domain/requests/rights.py): role -> from -> to -> the fields it may change
  var MOVES = __MOVES__;
  var DEFAULTS = __DEFAULTS__;
  var NAMES = __NAMES__;
  var CARRIED = __CARRIED__;
  function same(a, b) {
    if (a === b) { return true; }
    if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') { return false; }
    if (Array.isArray(a) !== Array.isArray(b)) { return false; }
    var k, keys = {};
    for (k in a) { keys[k] = true; }
    for (k in b) { keys[k] = true; }
    for (k in keys) { if (!same(a[k], b[k])) { return false; } }
    return true;
  }
  function value(doc, name) {
    var v = doc[name];
    if (v === undefined) { v = DEFAULTS.hasOwnProperty(name) ? DEFAULTS[name] : null; }
    return v;
  }
  // an outcome or correction travels inside its request's document, where the request's assignee can be read
  function checkRecords(was) {
    var now = newDoc.records, k;
    if (now === undefined) { now = {}; }
    if (typeof now !== 'object' || now === null || Array.isArray(now)) {
      deny('records must be an object: KIND:ID -> {updated_at, data}');
    }
    if (role === 'expert') {
      for (k in was) {
        if (!same(was[k], now[k])) {
          deny('an expert does not change or remove a record a request carries (' + k + ')');
        }
      }
    }
    for (k in now) {
      if (was.hasOwnProperty(k) && same(was[k], now[k])) { continue; }
      var rk = k.split(':')[0], rid = k.slice(rk.length + 1), entry = now[k];
      if (CARRIED.indexOf(rk) === -1 || !rid) { deny('records hold only ' + CARRIED.join(' and ') + ', not ' + k); }
      var ed = entry && entry.data;
      if (typeof ed !== 'object' || ed === null || Array.isArray(ed)) {
        deny('records.' + k + '.data must be an object');
      }
      if (ed.id !== undefined && ed.id !== rid) { deny('records.' + k + '.data.id must be "' + rid + '"'); }
      var need = REQUIRED[rk];
      for (var g in need) {
        var w = need[g], opt = w.slice(-1) === '?', t = opt ? w.slice(0, -1) : w;
        if (ed[g] === undefined || ed[g] === null) {
          if (!opt) { deny('records.' + k + '.data.' + g + ' is required (' + t + ')'); }
        } else if (typeof ed[g] !== t) { deny('records.' + k + '.data.' + g + ' must be a ' + t); }
      }
      if (ed.request_id !== key) { deny('a record carried by requests:' + key + ' names that request'); }
      if (ed.issue_id !== undefined && ed.issue_id !== null && ed.issue_id !== d.analysis_id) {
        deny('a record carried by requests:' + key + ' names its issue (' + d.analysis_id + ')');
      }
      if (role === 'expert' && ed.expert_id !== me) { deny('an expert writes only their own ' + rk); }
    }
  }
  if (kind === 'requests') {
    var held = oldDoc && !oldDoc._deleted ? oldDoc.records : null;
    checkRecords(held && typeof held === 'object' ? held : {});
  }
  if (role === 'expert' && CARRIED.indexOf(kind) !== -1) {
    deny('an expert\'s ' + kind + ' travel in their request\'s document (records of requests:' +
         (d.request_id || 'ID') + '), which must be assigned to them');
  }
  if (kind === 'requests' && old) {
    var from = old.status || 'pending_assignment', to = d.status || 'pending_assignment';
    if (role === 'expert' && old.assigned_expert_id !== me) { deny('this request is not assigned to ' + me); }
    var rights = (MOVES[role] || {})[from] || {};
    var may = rights[to];
    if (!may) {
      deny(role === 'admin' ? 'a request never moves back from ' + NAMES[from] + ' to ' + NAMES[to]
                            : (role === 'expert' ? 'an ' : 'a ') + role + '\'s revision may not move a request from ' +
                              NAMES[from] + ' to ' + NAMES[to]);
    }
    var who = (role === 'expert' ? 'an ' : 'a ') + role;
    if (role !== 'admin') {
      var names = {}, n, changed = [];
      for (n in old) { names[n] = true; }
      for (n in d) { names[n] = true; }
      for (n in names) { if (!same(value(old, n), value(d, n))) { changed.push(n); } }
      changed.sort();
      for (var c = 0; c < changed.length; c++) {
        if (may.indexOf(changed[c]) === -1) {
          deny(who + ' may not change ' + changed[c] + ' of a request (' + NAMES[from] + ' to ' + NAMES[to] + ')');
        }
      }
    }
    return;
  }
  if (coordinator) { return; }
  if (!me) { deny('this expert user is bound to no expert id (a role expert:ID)'); }
  if (kind === 'sessions') {
    if (d.expert_id !== me || (old && old.expert_id !== me)) { deny('an expert writes only their own ' + kind); }
    return;
  }
  if (kind === 'knowledge') { return; }
  if (kind === 'requests') { deny('only a coordinator opens requests'); }
  deny('only a coordinator changes ' + kind);
}"""


@cache
def validate_function() -> str:
    """The JavaScript of `_design/triagedesk`'s `validate_doc_update`, with the action table's rules in it."""
    defaults = shape_of(ExpertRequest).defaults
    names = {k: v for k, v in STATE_NAMES.items() if k is not None}
    return (_TEMPLATE.replace("__KINDS__", json.dumps(list(KINDS)))
            .replace("__MOVES__", json.dumps(moves_table(), sort_keys=True))
            .replace("__DEFAULTS__", json.dumps(defaults, sort_keys=True))
            .replace("__NAMES__", json.dumps(names, sort_keys=True))
            .replace("__CARRIED__", json.dumps(list(EMBEDDED)))
            .replace("__WITHDRAWABLE__", json.dumps(sorted(ACTIONS["withdraw"].states))))
