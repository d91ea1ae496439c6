// kyoyu reviewer console. Plain browser JavaScript, served by the review app (no CDN, no framework).
// Alert content is attacker-controlled: it is only ever placed with textContent / createTextNode,
// never with innerHTML, and the page's CSP forbids inline scripts.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  // `nav` counts navigations: a response that arrives after the reviewer moved on is dropped, so a late
  // live update can never pull the console back to an item it has left.
  const state = { me: null, csrf: '', items: [], selected: 0, item: null, filter: 'held', events: null, nav: 0 };
  const EDITABLE = ['title', 'description', 'signature.name'];

  function el(tag, props, children) {
    const node = document.createElement(tag);
    if (props) for (const [k, v] of Object.entries(props)) {
      if (k === 'text') node.textContent = v;
      else if (k === 'className') node.className = v;
      else if (k === 'dataset') Object.assign(node.dataset, v);
      else node.setAttribute(k, v);
    }
    for (const c of children || []) node.append(c);
    return node;
  }

  async function api(method, path, body) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET') headers['x-csrf-token'] = state.csrf;
    const res = await fetch(path, {
      method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : {};
    if (!res.ok) {
      const err = new Error(data.message || res.statusText);
      err.code = data.code || String(res.status);
      err.status = res.status;
      throw err;
    }
    return data;
  }

  function show(view) {
    for (const v of ['login-view', 'queue-view', 'item-view']) $(v).hidden = v !== view;
    $('whoami').hidden = view === 'login-view';
  }

  function age(seconds) {
    if (seconds < 60) return `${seconds}s`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
    if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
    return `${Math.floor(seconds / 86400)}d`;
  }

  // ---- session ----
  async function boot() {
    try {
      const me = await api('GET', '/auth/session');
      state.me = me;
      state.csrf = me.csrfToken || '';
      $('account').textContent = `${me.displayName || me.accountId} (${me.role})`;
      await openQueue();
      connectLive();
    } catch (e) {
      if (e.status === 401) show('login-view');
      else throw e;
    }
  }

  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('login-error').textContent = '';
    try {
      await api('POST', '/auth/login', { username: $('username').value, password: $('password').value });
      $('password').value = '';
      await boot();
    } catch (e) {
      $('login-error').textContent = e.code === 'AUTH.RATE_LIMITED' ? 'Too many attempts; try again later.' : 'Wrong user name or password.';
    }
  });

  $('logout').addEventListener('click', async () => {
    await api('POST', '/auth/logout').catch(() => undefined);
    if (state.events) state.events.close();
    state.me = null;
    show('login-view');
  });

  // ---- queue ----
  async function openQueue() {
    state.nav += 1;
    state.item = null;
    show('queue-view');
    await loadQueue();
  }

  // Live updates arrive in bursts: one request at a time, and the changes that arrive meanwhile are taken by one
  // more load after it, so the queue always ends on the latest answer and never on a late, stale one.
  const queueLoad = { running: null, again: false, fresh: new Set() };

  function loadQueue(freshIds) {
    if (freshIds) for (const id of freshIds) queueLoad.fresh.add(id);
    if (queueLoad.running) {
      queueLoad.again = true;
      return queueLoad.running;
    }
    queueLoad.running = (async () => {
      try {
        do {
          queueLoad.again = false;
          const fresh = queueLoad.fresh;
          queueLoad.fresh = new Set();
          const filter = state.filter;
          const data = await api('GET', `/review/items?state=${encodeURIComponent(filter)}&limit=200`);
          if (filter === state.filter) renderQueue(data, fresh);
          else queueLoad.again = true;
        } while (queueLoad.again);
      } finally {
        queueLoad.running = null;
      }
    })();
    return queueLoad.running;
  }

  function renderQueue(data, fresh) {
    state.items = data.items;
    state.selected = Math.min(state.selected, Math.max(0, data.items.length - 1));
    const counts = $('counts');
    counts.replaceChildren();
    for (const s of ['held', 'awaiting-second-approval', 'approved', 'rejected', 'expired']) {
      counts.append(el('span', { dataset: { state: s } }, [el('b', { text: String(data.counts[s]) }), ` ${s}`]));
    }
    if (data.counts.oldestOpenAgeSeconds !== null) counts.append(el('span', { text: `oldest open: ${age(data.counts.oldestOpenAgeSeconds)}` }));
    // Rows are kept per case and only their changed cells rewritten: a row the reviewer is pointing at or
    // clicking stays the same element while live updates come in.
    const body = $('queue').tBodies[0];
    const existing = new Map([...body.rows].map((tr) => [tr.dataset.caseId, tr]));
    data.items.forEach((it, i) => {
      let tr = existing.get(it.caseId);
      existing.delete(it.caseId);
      if (!tr) {
        tr = el('tr', { dataset: { caseId: it.caseId } }, QUEUE_COLUMNS.map(() => el('td')));
        tr.addEventListener('click', () => openItem(it.caseId));
      }
      const cells = [
        it.caseId.slice(0, 12),
        it.title,
        String(Math.round(it.risk)),
        `TLP:${it.tlp.toUpperCase()}`,
        it.reasons.join(', '),
        age(it.ageSeconds),
        it.fourEyes ? `${it.approvals}/2` : `${it.approvals}/1`,
      ];
      cells.forEach((text, c) => {
        if (tr.cells[c].textContent !== text) tr.cells[c].textContent = text;
      });
      tr.classList.toggle('selected', i === state.selected);
      if (fresh.has(it.caseId)) flash(tr);
      if (body.rows[i] !== tr) body.insertBefore(tr, body.rows[i] || null);
    });
    for (const gone of existing.values()) gone.remove();
  }

  const QUEUE_COLUMNS = ['case', 'title', 'risk', 'tlp', 'reasons', 'age', 'approvals'];

  // Restarts the highlight of a changed row (a class already present would not animate again).
  function flash(tr) {
    tr.classList.remove('fresh');
    void tr.offsetWidth;
    tr.classList.add('fresh');
  }

  $('state-filter').addEventListener('change', async (ev) => {
    state.filter = ev.target.value;
    state.selected = 0;
    await loadQueue();
  });

  function connectLive() {
    if (state.events) state.events.close();
    const es = new EventSource('/review/events');
    state.events = es;
    es.onopen = () => $('live').classList.add('on');
    es.onerror = () => $('live').classList.remove('on');
    es.addEventListener('item', (ev) => {
      const change = JSON.parse(ev.data);
      if (!$('queue-view').hidden) void loadQueue(new Set([change.caseId]));
      if (!$('item-view').hidden && state.item && state.item.caseId === change.caseId) void openItem(change.caseId, true);
    });
  }

  // ---- item ----
  function highlighted(text, spans, className) {
    const out = [];
    let at = 0;
    for (const s of spans) {
      if (s.start < at) continue;
      if (s.start > at) out.push(document.createTextNode(text.slice(at, s.start)));
      out.push(el('mark', { className, title: s.kind, text: text.slice(s.start, s.end) }));
      at = s.end;
    }
    if (at < text.length) out.push(document.createTextNode(text.slice(at)));
    return out;
  }

  // Placeholders the engine or a reviewer put in place of what was removed: <victim-domain>, [redacted], ...
  function maskSpans(text) {
    const spans = [];
    for (const m of text.matchAll(/<[a-z][a-z0-9-]*>|\[redacted\]|\[[a-z-]+\]/g)) {
      spans.push({ start: m.index, end: m.index + m[0].length, kind: 'removed by de-identification' });
    }
    return spans;
  }

  function fieldValue(draft, field) {
    if (field === 'signature.name') return draft.signature ? draft.signature.name : undefined;
    return draft[field];
  }

  function renderDraft(draft) {
    const dl = $('draft');
    dl.replaceChildren();
    const row = (label, value, field) => {
      const dd = el('dd', field ? { className: 'editable', dataset: { field } } : null, highlighted(value, maskSpans(value), 'masked'));
      dl.append(el('dt', { text: label }), dd);
    };
    for (const f of EDITABLE) {
      const v = fieldValue(draft, f);
      if (v !== undefined) row(f, v, f);
    }
    row('observed', draft.observedAt);
    row('severity', `${draft.severity.label} (${draft.severity.score})`);
    row('techniques', draft.techniques.map((t) => t.id).join(', '));
    row('indicators', draft.indicators.map((i) => `${i.type}: ${i.value}`).join('\n'));
    row('malware', draft.malware.join(', '));
    row('context', [draft.context.sector, draft.context.country].filter(Boolean).join(' / '));
    row('distribution', `TLP:${draft.distribution.tlp.toUpperCase()}, audience ${draft.distribution.audience.kind}`);
  }

  async function openItem(caseId, refresh) {
    const nav = refresh ? state.nav : ++state.nav;
    let item;
    try {
      item = await api('GET', `/review/items/${encodeURIComponent(caseId)}`);
    } catch (e) {
      if (e.status === 404) { await openQueue(); return; }
      throw e;
    }
    if (nav !== state.nav) return;
    if (!refresh) $('item-error').textContent = '';
    state.item = item;
    show('item-view');
    // Keyboard shortcuts act on the item, not on whatever control had the focus in the queue.
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    $('item-case').textContent = item.caseId;
    const approvals = item.fourEyes ? ` · four-eyes (${item.approvals.length}/2: ${item.fourEyesReasons.join(', ')})` : '';
    $('item-meta').textContent = `${item.state} · risk ${Math.round(item.risk)} · TLP:${item.tlp.toUpperCase()} · deadline ${new Date(item.deadline).toISOString()}${approvals}`;
    $('original').replaceChildren(...highlighted(item.original.raw, item.original.victimSpans, 'removed'));
    renderDraft(item.draft);
    const tbody = $('transformations').tBodies[0];
    tbody.replaceChildren(...item.transformations.map((t) => el('tr', null, [
      el('td', { text: t.field }), el('td', { text: t.class }), el('td', { text: t.action }), el('td', { text: t.rule }),
    ])));
    $('history').replaceChildren(...item.history.map((h) => el('li', {
      text: `${new Date(h.at).toISOString()} ${h.actor} ${h.action}${h.reason ? ` — ${h.reason}` : ''}`,
    })));
    const open = item.state === 'held' || item.state === 'awaiting-second-approval';
    for (const id of ['redact', 'approve', 'reject', 'reject-reason']) $(id).disabled = !open;
  }

  // The selection's offsets within one editable field, in UTF-16 units as the API expects.
  function selectedSpan() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    const container = range.commonAncestorContainer;
    const dd = (container.nodeType === 1 ? container : container.parentElement).closest('dd.editable');
    if (!dd) return null;
    const before = document.createRange();
    before.selectNodeContents(dd);
    before.setEnd(range.startContainer, range.startOffset);
    const start = before.toString().length;
    return { field: dd.dataset.field, start, end: start + range.toString().length };
  }

  async function act(fn) {
    state.nav += 1; // a refresh already in flight must not redraw over the outcome of this action
    $('item-error').textContent = '';
    try {
      await fn();
    } catch (e) {
      $('item-error').textContent = `${e.code}: ${e.message}`;
    }
  }

  async function redactSelection() {
    const span = selectedSpan();
    if (!span) { $('item-error').textContent = 'Select text inside the title, description or signature first.'; return; }
    await act(async () => {
      await api('POST', `/review/items/${encodeURIComponent(state.item.caseId)}/redact`, {
        version: state.item.version,
        redactions: [{ kind: 'span', field: span.field, start: span.start, end: span.end, replacement: '[redacted]' }],
      });
      window.getSelection().removeAllRanges();
      await openItem(state.item.caseId);
    });
  }

  async function approve() {
    await act(async () => {
      const r = await api('POST', `/review/items/${encodeURIComponent(state.item.caseId)}/approve`, { version: state.item.version });
      if (r.state === 'approved') await openQueue(); else await openItem(r.caseId);
    });
  }

  async function reject() {
    const reason = $('reject-reason').value.trim();
    if (!reason) { $('item-error').textContent = 'A rejection needs a reason.'; $('reject-reason').focus(); return; }
    await act(async () => {
      await api('POST', `/review/items/${encodeURIComponent(state.item.caseId)}/reject`, { reason, version: state.item.version });
      $('reject-reason').value = '';
      await openQueue();
    });
  }

  $('redact').addEventListener('click', redactSelection);
  $('approve').addEventListener('click', approve);
  $('reject').addEventListener('click', reject);
  $('reject-reason').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') void reject();
  });
  $('back').addEventListener('click', () => void openQueue());

  document.addEventListener('keydown', (ev) => {
    if (ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (!$('queue-view').hidden) {
      const rows = $('queue').tBodies[0].rows;
      if (ev.key === 'j' || ev.key === 'k') {
        state.selected = Math.max(0, Math.min(rows.length - 1, state.selected + (ev.key === 'j' ? 1 : -1)));
        for (let i = 0; i < rows.length; i++) rows[i].classList.toggle('selected', i === state.selected);
      } else if (ev.key === 'Enter' && state.items[state.selected]) {
        void openItem(state.items[state.selected].caseId);
      } else if (ev.key === 'r') {
        void loadQueue();
      }
    } else if (!$('item-view').hidden) {
      if (ev.key === 'Escape') void openQueue();
      else if (ev.key === 'a') void approve();
      else if (ev.key === 'd') void redactSelection();
      else if (ev.key === 'x') { ev.preventDefault(); $('reject-reason').focus(); }
    }
  });

  void boot();
})();
