"""The server's `validate_doc_update`, generated: the request rules are the domain's `rights.moves_table()` (from
the action table) written into the function as data, so the server and the desks' checks cannot drift."""

from __future__ import annotations

import json
from functools import cache

from triagedesk.domain.kinds import MODELS
from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.requests.rights import WITHDRAWABLE, moves_table
from triagedesk.domain.requests.states import STATE_NAMES
from triagedesk.sync.embedded import EMBEDDED
from triagedesk.sync.shapes import shapes
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
  var SHAPES = __SHAPES__;
  var NOUNS = {string: 'a string', number: 'a number', integer: 'an integer', boolean: 'true or false',
               array: 'a list', object: 'an object', 'null': 'null'};
  var DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  function instant(text, withTime) {
    var m = withTime
      ? /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d)(?:\.\d{1,6})?)?(?:[Zz]|[+-](\d\d):?(\d\d))?$/.exec(text)
      : /^(\d{4})-(\d\d)-(\d\d)$/.exec(text);
    if (!m) { return false; }
    var y = +m[1], mo = +m[2], day = +m[3];
    if (y < 1 || mo < 1 || mo > 12 || day < 1 || day > DAYS[mo - 1]) { return false; }
    if (mo === 2 && day === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) { return false; }
    if (!withTime) { return true; }
    return +m[4] < 24 && +m[5] < 60 && (m[6] === undefined || +m[6] < 60) &&
           (m[7] === undefined || (+m[7] < 24 && +m[8] < 60));
  }
  function at(where, why) { return where + (why.charAt(0) === '.' || why.charAt(0) === '[' ? '' : ' ') + why; }
  function typeOf(v) {
    if (v === null) { return 'null'; }
    if (Array.isArray(v)) { return 'array'; }
    return typeof v;
  }
  // null when `v` fits `shape` (generated from the domain's models: sync/shapes.py), else what is wrong
  function misfit(v, shape) {
    var t = typeOf(v), i, k, why;
    if (shape.any) {
      for (i = 0; i < shape.any.length; i++) { if (misfit(v, shape.any[i]) === null) { return null; } }
      return 'must be one of its allowed shapes';
    }
    if (shape.t) {
      var fits = shape.t.indexOf(t) !== -1 || (t === 'number' && shape.t.indexOf('integer') !== -1 &&
                                               Math.floor(v) === v && isFinite(v));
      if (!fits) {
        var nouns = [];
        for (i = 0; i < shape.t.length; i++) { nouns.push(NOUNS[shape.t[i]] || shape.t[i]); }
        return 'must be ' + nouns.join(' or ');
      }
    }
    if (v === null) { return null; }
    if (shape.enum) {
      var found = false;
      for (i = 0; i < shape.enum.length; i++) { if (shape.enum[i] === v) { found = true; } }
      if (!found) { return 'must be one of ' + JSON.stringify(shape.enum); }
    }
    if (t === 'string') {
      if (shape.f && !instant(v, shape.f === 'date-time')) { return 'must be a ' + shape.f + ' (ISO 8601)'; }
      var n = v.length - (v.match(/[\uDC00-\uDFFF]/g) || []).length;  // code points (ES5: no Array.from)
      if (shape.minl !== undefined && n < shape.minl) { return 'must have at least ' + shape.minl + ' characters'; }
      if (shape.maxl !== undefined && n > shape.maxl) { return 'must have at most ' + shape.maxl + ' characters'; }
    }
    if (t === 'number') {
      if (shape.lo !== undefined && v < shape.lo) { return 'must be at least ' + shape.lo; }
      if (shape.hi !== undefined && v > shape.hi) { return 'must be at most ' + shape.hi; }
      if (shape.xlo !== undefined && v <= shape.xlo) { return 'must be more than ' + shape.xlo; }
      if (shape.xhi !== undefined && v >= shape.xhi) { return 'must be less than ' + shape.xhi; }
    }
    if (t === 'array') {
      if (shape.mini !== undefined && v.length < shape.mini) { return 'must hold at least ' + shape.mini; }
      if (shape.maxi !== undefined && v.length > shape.maxi) { return 'must hold at most ' + shape.maxi; }
      if (shape.items) {
        for (i = 0; i < v.length; i++) {
          why = misfit(v[i], shape.items);
          if (why !== null) { return at('[' + i + ']', why); }
        }
      }
    }
    if (t === 'object') {
      if (shape.props) {
        for (i = 0; i < shape.req.length; i++) {
          k = shape.req[i];
          if (v[k] === undefined) { return '.' + k + ' is required'; }
        }
        for (k in shape.props) {
          if (v[k] !== undefined) {
            why = misfit(v[k], shape.props[k]);
            if (why !== null) { return at('.' + k, why); }
          }
        }
      } else if (shape.values) {
        for (k in v) {
          why = misfit(v[k], shape.values);
          if (why !== null) { return at('.' + k, why); }
        }
      }
    }
    return null;
  }
  function conform(v, shape, where) {
    var why = misfit(v, shape);
    if (why !== null) { deny(at(where, why)); }
  }
  conform(d, SHAPES[kind], 'data');
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
      conform(ed, SHAPES[rk], 'records.' + k + '.data');
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
            .replace("__SHAPES__", json.dumps(shapes(MODELS), sort_keys=True))
            .replace("__MOVES__", json.dumps(moves_table(), sort_keys=True))
            .replace("__DEFAULTS__", json.dumps(defaults, sort_keys=True))
            .replace("__NAMES__", json.dumps(names, sort_keys=True))
            .replace("__CARRIED__", json.dumps(list(EMBEDDED)))
            .replace("__WITHDRAWABLE__", json.dumps(sorted(WITHDRAWABLE))))
