/* jumpgate access page. Reads the embedded data (see access_page.py), builds indexes once, then
   puts into the DOM only what is visible: the matrix window is re-rendered on scroll.
   Every data string goes through esc() or textContent. Sets <html data-ready> when usable. */
(() => {
  'use strict';
  const d = document;
  const byId = (id) => d.getElementById(id);
  const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  const esc = (v) => String(v == null ? '' : v).replace(/[&<>"']/g, (c) => ESC[c]);
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  const num = (n) => n.toLocaleString('en-US');
  const plural = (n, one, many) => `${num(n)} ${n === 1 ? one : many}`;

  // ---- data and indexes -------------------------------------------------------------------
  const raw = JSON.parse(byId('jg-data').textContent);
  const S = raw.strings;
  const str = (i) => (i < 0 ? null : S[i]);
  const ENVS = raw.environments;
  const envPos = new Map(ENVS.map((e, i) => [e.name, i]));
  const strictEnv = new Set(ENVS.filter((e) => e.strict).map((e) => e.name));
  const LV = raw.levels;
  const levelPos = new Map(LV.map((l, i) => [l, i]));
  const teamSet = new Set();
  const accounts = raw.accounts.map((a, i) => {
    if (a[3]) teamSet.add(a[3]);
    return { i, name: a[0], id: a[1], env: a[2], team: a[3], strict: strictEnv.has(a[2]),
      rank: envPos.has(a[2]) ? envPos.get(a[2]) : ENVS.length, lc: `${a[0]}\n${a[1]}`.toLowerCase() };
  });
  const people = raw.people.map((p, i) => {
    p[2].forEach((t) => teamSet.add(t));
    return { i, name: p[0], dn: p[1], teams: p[2], lc: `${p[0]}\n${p[1]}`.toLowerCase() };
  });
  const teams = [...teamSet].sort(cmp);
  const teamPos = new Map(teams.map((t, i) => [t, i]));
  const members = teams.map(() => []);
  people.forEach((p) => {
    p.tix = p.teams.map((t) => teamPos.get(t));
    p.tix.forEach((t) => members[t].push(p.i));
  });
  const personPos = new Map(people.map((p) => [p.name, p.i]));
  const accountPos = new Map(accounts.map((a) => [a.name, a.i]));
  accounts.forEach((a) => { if (a.id && !accountPos.has(a.id)) accountPos.set(a.id, a.i); });

  const P = raw.paths;
  const W = 8; // person, account, level, role, arn, expires, reason, source
  const N = P.length / W;
  const byPerson = people.map(() => []);
  const byAccount = accounts.map(() => []);
  const dayNumber = (s) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s || '');
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) / 86400000 : NaN;
  };
  const today = dayNumber(raw.generated);
  const dayCache = new Map();
  const days = new Float64Array(N);
  for (let k = 0; k < N; k++) {
    byPerson[P[k * W]].push(k);
    byAccount[P[k * W + 1]].push(k);
    const e = P[k * W + 5];
    if (e < 0) { days[k] = NaN; continue; }
    if (!dayCache.has(e)) dayCache.set(e, dayNumber(S[e]) - today);
    days[k] = dayCache.get(e);
  }
  const accountOrder = (x, y) => {
    const a = accounts[x], b = accounts[y];
    return (a.team === '') - (b.team === '') || cmp(a.team, b.team) || a.rank - b.rank ||
      cmp(a.name, b.name);
  };
  const colOrder = accounts.map((a) => a.i).sort(accountOrder);

  // ---- levels: abbreviation and colour (Okabe-Ito) -----------------------------------------
  const KNOWN = { admin: 'ADM', administrator: 'ADM', poweruser: 'PWR', readonly: 'RO',
    billing: 'BIL', securityaudit: 'AUD', viewonly: 'VO', support: 'SUP', developer: 'DEV' };
  const usedAbbr = new Set();
  const abbr = LV.map((l) => {
    const base = KNOWN[l.toLowerCase()] ||
      l.split('/').pop().replace(/[^A-Za-z0-9]/g, '').slice(0, 3).toUpperCase() || 'LVL';
    let a = base;
    for (let n = 2; usedAbbr.has(a); n++) a = base + n;
    usedAbbr.add(a);
    return a;
  });
  const PALETTE = [['#D55E00', '#000'], ['#CC79A7', '#000'], ['#56B4E9', '#000'],
    ['#009E73', '#000'], ['#F0E442', '#000'], ['#0072B2', '#fff'], ['#E69F00', '#000'],
    ['#999999', '#000']];
  const TINTS = ['#F2C9A8', '#EBCADD', '#C3E3F6', '#A8DCCD', '#F9F4B3', '#A8CBE3', '#F5D9A0'];
  let orgN = 0, setN = 0;
  const levelCss = LV.map((l, i) => {
    if (l.includes('/')) {
      const bg = TINTS[setN++ % TINTS.length];
      return `.lv${i}{background:${bg};color:#000;outline:1px dashed #000;outline-offset:-3px}`;
    }
    const [bg, fg] = PALETTE[orgN++ % PALETTE.length];
    return `.lv${i}{background:${bg};color:${fg}}`;
  });
  const styleEl = d.createElement('style');
  styleEl.textContent = levelCss.join('\n');
  d.head.appendChild(styleEl);

  const expiry = (k) => {
    const e = P[k * W + 5];
    if (e < 0) return null;
    const n = days[k];
    if (Number.isNaN(n)) return { cls: 'later', short: 'exp', long: `expires ${S[e]}` };
    if (n < 0) return { cls: 'expired', short: 'exp', long: `expired ${plural(-n, 'day', 'days')} ago` };
    if (n === 0) return { cls: 'soon', short: '0d', long: 'expires today' };
    return { cls: n <= 14 ? 'soon' : 'later', short: `${n}d`, long: `expires in ${plural(n, 'day', 'days')}` };
  };
  const badge = (x, long) => (x ? `<span class="xb ${x.cls}">${esc(long ? x.long : x.short)}</span>` : '');
  const envTag = (a) => `<span class="envtag${a.strict ? ' strict' : ''}">${esc(a.env)}</span>` +
    (a.strict ? '<span class="sr"> (strict)</span>' : '');
  const chip = (l) => `<span class="sw lv${l}" title="${esc(LV[l])}">${esc(abbr[l])}</span> ${esc(LV[l])}`;

  // ---- page skeleton ---------------------------------------------------------------------
  const LARGE = people.length > 200 || accounts.length > 60;
  const initial = () => ({ mode: LARGE ? 'teams' : 'people', team: '', env: '', level: '', q: '' });
  let state = initial();
  byId('jg-summary').textContent = `${raw.organization} · generated ${raw.generated} · ` +
    `${plural(people.length, 'person', 'people')} · ${plural(accounts.length, 'account', 'accounts')}` +
    ` · ${plural(N, 'path', 'paths')}`;
  byId('jg-main').innerHTML = `
<form id="jg-controls" class="controls" role="search" aria-label="Filter the access matrix">
 <div class="field"><label for="f-q">Search</label><input id="f-q" type="search"
   placeholder="person or account" autocomplete="off" aria-describedby="jg-status"></div>
 <div class="field"><label for="f-team">Team</label><select id="f-team"></select></div>
 <div class="field"><label for="f-env">Environment</label><select id="f-env"></select></div>
 <div class="field"><label for="f-level">Level</label><select id="f-level"></select></div>
 <div class="field"><label for="f-person">Person view</label><input id="f-person" list="dl-people"
   autocomplete="off" placeholder="name, then Enter"></div>
 <div class="field"><label for="f-account">Account view</label><input id="f-account"
   list="dl-accounts" autocomplete="off" placeholder="name or id, then Enter"></div>
 <div class="field" role="group" aria-labelledby="l-rows"><span id="l-rows" class="label">Rows</span>
  <span class="seg"><button type="button" id="m-people" aria-pressed="false">People</button><button
   type="button" id="m-teams" aria-pressed="false">Teams</button></span></div>
 <div class="field"><button type="reset" id="f-clear">Clear filters</button></div>
</form>
<section id="jg-legend" class="legend" aria-label="Legend"></section>
<p id="jg-status" role="status" aria-live="polite"></p>
<section id="jg-matrix" aria-label="Access matrix">
 <div id="jg-vp" class="vp" tabindex="0" role="region"
  aria-label="Access matrix; arrow keys scroll, Tab reaches people and accounts">
  <div id="jg-sp" class="sp"><div id="jg-win" class="win"><table id="jg-tbl" class="mx"></table></div></div>
 </div>
</section>
<section id="jg-detail" class="detail" hidden></section>
<div id="jg-print" class="print-only"></div>
<datalist id="dl-people"></datalist><datalist id="dl-accounts"></datalist>`;
  const vp = byId('jg-vp'), sp = byId('jg-sp'), win = byId('jg-win'), tbl = byId('jg-tbl');
  const fill = (id, first, items) => {
    const sel = byId(id);
    sel.add(new Option(first, ''));
    items.forEach(([label, value]) => sel.add(new Option(label, value)));
  };
  fill('f-team', 'All teams', teams.map((t, i) => [`${t} (${members[i].length})`, t]));
  fill('f-env', 'All environments', ENVS.map((e) => [e.strict ? `${e.name} (strict)` : e.name, e.name]));
  fill('f-level', 'All levels', LV.map((l, i) => [`${abbr[i]} · ${l}`, l]));

  const orgLv = [], setLv = [];
  LV.forEach((l, i) => (l.includes('/') ? setLv : orgLv).push(`<li>${chip(i)}</li>`));
  let legend = `<h2 class="lh">Legend</h2><ul class="lg" id="jg-levels">${orgLv.join('')}</ul>`;
  if (setLv.length) {
    const list = `<ul class="lg">${setLv.join('')}</ul>`;
    legend += setLv.length <= 8 ? list :
      `<details><summary>Team permission sets (${setLv.length})</summary>${list}</details>`;
  }
  legend += `<ul class="lg"><li><span class="xb expired">exp</span> expired</li>` +
    `<li><span class="xb soon">9d</span> expires within 14 days</li>` +
    `<li><span class="xb later">40d</span> expires later (days after ${esc(raw.generated)})</li>` +
    `<li><span class="envtag strict">prod</span> strict environment</li>` +
    `<li><span class="more">+1</span> more paths in a cell (the first level in org order shows)</li></ul>`;
  byId('jg-legend').innerHTML = legend;

  // ---- filtering ---------------------------------------------------------------------------
  let view = null;
  let rowCache = new Map();
  function compute() {
    const q = state.q.trim().toLowerCase();
    const pq = new Uint8Array(people.length), aq = new Uint8Array(accounts.length);
    let qPeople = 0, qAccounts = 0;
    if (q) {
      people.forEach((p) => { if (p.lc.includes(q)) { pq[p.i] = 1; qPeople++; } });
      accounts.forEach((a) => { if (a.lc.includes(q)) { aq[a.i] = 1; qAccounts++; } });
    }
    const t = state.team && teamPos.has(state.team) ? teamPos.get(state.team) : -1;
    const lvl = state.level && levelPos.has(state.level) ? levelPos.get(state.level) : -1;
    const pv = new Uint8Array(people.length), av = new Uint8Array(accounts.length);
    people.forEach((p) => { pv[p.i] = (t < 0 || p.tix.includes(t)) && (!qPeople || pq[p.i]) ? 1 : 0; });
    accounts.forEach((a) => { av[a.i] = (!state.env || a.env === state.env) && (!qAccounts || aq[a.i]) ? 1 : 0; });
    const ok = new Uint8Array(N), hasRow = new Uint8Array(people.length);
    const hasCol = new Uint8Array(accounts.length);
    let nPaths = 0;
    for (let k = 0; k < N; k++) {
      const p = P[k * W], a = P[k * W + 1];
      if (!pv[p] || !av[a] || (lvl >= 0 && P[k * W + 2] !== lvl)) continue;
      ok[k] = 1; hasRow[p] = 1; hasCol[a] = 1; nPaths++;
    }
    const needPath = lvl >= 0 || !!state.env;
    const rowOk = new Uint8Array(people.length);
    const peopleRows = [];
    people.forEach((p) => {
      if (pv[p.i] && (!needPath || hasRow[p.i])) { rowOk[p.i] = 1; peopleRows.push(p.i); }
    });
    const prune = t >= 0 || lvl >= 0 || qPeople > 0;
    const cols = colOrder.filter((a) => av[a] && (!prune || hasCol[a] ||
      (t >= 0 && accounts[a].team === state.team) || (qAccounts > 0 && aq[a])));
    if (t >= 0) { // the team's own accounts first (a stable sort keeps the rest in order)
      cols.sort((x, y) => (accounts[y].team === state.team) - (accounts[x].team === state.team));
    }
    let rows = peopleRows;
    const teamCount = new Map();
    if (state.mode === 'teams') {
      rows = [];
      teams.forEach((name, ti) => {
        if (t >= 0 && ti !== t) return;
        const n = members[ti].reduce((s, p) => s + rowOk[p], 0);
        if (n) { rows.push(ti); teamCount.set(ti, n); }
      });
    }
    view = { rows, cols, ok, rowOk, nPaths, nPeople: peopleRows.length, teamCount, mode: state.mode };
    rowCache = new Map();
  }

  // One row's cells, computed when the row is first shown: account -> cell.
  function personCells(p) {
    const cells = new Map();
    for (const k of byPerson[p]) {
      if (!view.ok[k]) continue;
      const a = P[k * W + 1], l = P[k * W + 2];
      let c = cells.get(a);
      if (!c) cells.set(a, (c = { best: l, ks: [] }));
      if (l < c.best) c.best = l;
      c.ks.push(k);
    }
    return cells;
  }
  function teamCells(t) {
    const best = new Map(); // account -> Map(person -> best level)
    for (const p of members[t]) {
      if (!view.rowOk[p]) continue;
      for (const k of byPerson[p]) {
        if (!view.ok[k]) continue;
        const a = P[k * W + 1], l = P[k * W + 2];
        let m = best.get(a);
        if (!m) best.set(a, (m = new Map()));
        if (!m.has(p) || l < m.get(p)) m.set(p, l);
      }
    }
    const cells = new Map();
    best.forEach((m, a) => {
      const counts = new Map();
      m.forEach((l) => counts.set(l, (counts.get(l) || 0) + 1));
      cells.set(a, [...counts].sort((x, y) => x[0] - y[0]));
    });
    return cells;
  }
  function cellsOf(r) {
    let c = rowCache.get(r);
    if (!c) rowCache.set(r, (c = view.mode === 'teams' ? teamCells(r) : personCells(r)));
    return c;
  }
  const pathText = (k) => {
    const x = expiry(k);
    return `${LV[P[k * W + 2]]} via ${str(P[k * W + 3]) || '?'}${x ? ` (${x.long})` : ''}`;
  };
  function cellHtml(r, a, colIndex) {
    const acc = accounts[a];
    const s = acc.strict ? ' s' : '';
    const c = cellsOf(r).get(a);
    const ci = `aria-colindex="${colIndex}"`;
    if (!c) return `<td class="e${s}" ${ci}></td>`;
    if (view.mode === 'teams') {
      const title = c.map(([l, n]) => `${LV[l]}: ${plural(n, 'person', 'people')}`).join(', ');
      const shown = c.slice(0, 2).map(([l, n]) => `<span class="cnt lv${l}">${esc(abbr[l])} ${n}</span>`);
      return `<td class="c agg${s}" ${ci} title="${esc(`${teams[r]} → ${acc.name}: ${title}`)}">` +
        `${shown.join('<br>')}${c.length > 2 ? '<span class="more">+</span>' : ''}</td>`;
    }
    let soonest = -1;
    for (const k of c.ks) if (P[k * W + 5] >= 0 && (soonest < 0 || days[k] < days[soonest])) soonest = k;
    const title = `${people[r].name} → ${acc.name}: ${c.ks.map(pathText).join('; ')}`;
    return `<td class="c lv${c.best}${s}" ${ci} title="${esc(title)}"><span class="ab">` +
      `${esc(abbr[c.best])}</span>${c.ks.length > 1 ? `<span class="more">+${c.ks.length - 1}</span>` : ''}` +
      `${soonest >= 0 ? badge(expiry(soonest), false) : ''}</td>`;
  }
  function rowHead(r, ri) {
    if (view.mode === 'teams') {
      return `<th scope="row" class="rh"><button type="button" class="team" data-t="${r}" data-r="${ri}" ` +
        `title="Show the people of ${esc(teams[r])}"><span class="dn">${esc(teams[r])}</span> <span class="nm">` +
        `${plural(view.teamCount.get(r), 'person', 'people')}</span></button></th>`;
    }
    const p = people[r];
    return `<th scope="row" class="rh"><button type="button" class="person" data-p="${r}" data-r="${ri}" ` +
      `title="${esc(`${p.dn} (${p.name}): all paths`)}"><span class="dn">${esc(p.dn)}</span> ` +
      `<span class="nm">${esc(p.name)}` +
      `</span></button></th>`;
  }
  function headHtml(cols, c0, corner) {
    let g = '', prev = null, span = 0;
    const flush = () => {
      if (span) g += `<th scope="colgroup" colspan="${span}" class="tgh">${esc(prev || '(no team)')}</th>`;
    };
    for (const a of cols) {
      if (accounts[a].team !== prev) { flush(); prev = accounts[a].team; span = 0; }
      span++;
    }
    flush();
    const hs = cols.map((a, i) => {
      const acc = accounts[a];
      return `<th scope="col" class="ah${acc.strict ? ' strict' : ''}" aria-colindex="${c0 + i + 2}">` +
        `<button type="button" class="acct" data-a="${a}" title="${esc(`${acc.name} (${acc.id}) · ` +
        `${acc.env}${acc.strict ? ', strict' : ''} · team ${acc.team || '-'}: who reaches it`)}">` +
        `<span class="an">${esc(acc.name)}</span><span class="ae">${esc(acc.env)}</span></button></th>`;
    });
    return `<thead><tr aria-rowindex="1"><th rowspan="2" class="corner" scope="col" aria-colindex="1">` +
      `${corner}</th>${g}</tr><tr aria-rowindex="2">${hs.join('')}</tr></thead>`;
  }

  // ---- the virtual matrix -------------------------------------------------------------------
  const CW = 84, HW = 230, HH = 24 + 150;
  const rowH = () => (view.mode === 'teams' ? 44 : 30);
  function layout() {
    vp.scrollTop = 0; vp.scrollLeft = 0;
    sp.style.width = `${HW + (view.cols.length + 1) * CW}px`;
    sp.style.height = `${HH + (view.rows.length + 1) * rowH()}px`;
    vp.style.height = `${HH + view.rows.length * rowH() + 20}px`;
    paint();
  }
  function paint() {
    const rh = rowH();
    const r0 = Math.min(Math.floor(vp.scrollTop / rh), Math.max(0, view.rows.length - 1));
    const c0 = Math.min(Math.floor(vp.scrollLeft / CW), Math.max(0, view.cols.length - 1));
    const nr = Math.ceil((vp.clientHeight - HH) / rh) + 1;
    const nc = Math.ceil((vp.clientWidth - HW) / CW) + 1;
    const rows = view.rows.slice(r0, r0 + nr), cols = view.cols.slice(c0, c0 + nc);
    win.style.width = `${vp.clientWidth}px`;
    win.style.height = `${vp.clientHeight}px`;
    const focused = tbl.contains(d.activeElement) ? d.activeElement : null;
    const key = focused && ['data-p', 'data-t', 'data-a'].find((n) => focused.hasAttribute(n));
    const keySel = key ? `[${key}="${focused.getAttribute(key)}"]` : null;
    const corner = view.mode === 'teams' ? 'Team (select to see its people)' : 'Person';
    let h = `<colgroup><col style="width:${HW}px">${cols.map(() => `<col style="width:${CW}px">`).join('')}` +
      `</colgroup>${headHtml(cols, c0, corner)}<tbody>`;
    rows.forEach((r, i) => {
      h += `<tr aria-rowindex="${r0 + i + 3}" style="height:${rh}px">${rowHead(r, r0 + i)}` +
        `${cols.map((a, j) => cellHtml(r, a, c0 + j + 2)).join('')}</tr>`;
    });
    if (!view.rows.length) h += '<tr><td class="empty-note" colspan="2">Nothing matches these filters.</td></tr>';
    tbl.innerHTML = `${h}</tbody>`;
    tbl.style.width = `${HW + cols.length * CW}px`;
    tbl.setAttribute('aria-rowcount', String(view.rows.length + 2));
    tbl.setAttribute('aria-colcount', String(view.cols.length + 1));
    if (focused) {
      const again = keySel && tbl.querySelector(keySel);
      (again || vp).focus({ preventScroll: true });
    }
  }
  let painting = 0;
  vp.addEventListener('scroll', () => {
    if (!painting) painting = requestAnimationFrame(() => { painting = 0; paint(); });
  });
  window.addEventListener('resize', () => { if (view) paint(); });
  vp.addEventListener('keydown', (e) => {
    const b = e.target.closest && e.target.closest('button[data-r]');
    if (!b || (e.key !== 'ArrowDown' && e.key !== 'ArrowUp')) return;
    const r = +b.dataset.r + (e.key === 'ArrowDown' ? 1 : -1);
    if (r < 0 || r >= view.rows.length) return;
    e.preventDefault();
    const rh = rowH(), visible = Math.floor((vp.clientHeight - HH) / rh);
    const top = Math.floor(vp.scrollTop / rh);
    if (r < top) vp.scrollTop = r * rh;
    else if (r >= top + visible) vp.scrollTop = (r - visible + 1) * rh;
    paint();
    const next = tbl.querySelector(`button[data-r="${r}"]`);
    if (next) next.focus({ preventScroll: true });
  });
  tbl.addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (!b) return;
    if (b.dataset.p) go('person', people[+b.dataset.p].name);
    else if (b.dataset.a) go('account', accounts[+b.dataset.a].name);
    else if (b.dataset.t) {
      state.team = teams[+b.dataset.t]; state.mode = 'people';
      byId('f-team').value = state.team;
      apply();
    }
  });

  function status() {
    const v = view;
    const rows = v.mode === 'teams' ?
      `${plural(v.rows.length, 'team', 'teams')} (${plural(v.nPeople, 'person', 'people')})` :
      `${num(v.rows.length)} of ${plural(people.length, 'person', 'people')}`;
    byId('jg-status').textContent = `Showing ${rows} × ${num(v.cols.length)} of ` +
      `${plural(accounts.length, 'account', 'accounts')} · ${plural(v.nPaths, 'path', 'paths')}`;
  }
  function apply() {
    byId('m-people').setAttribute('aria-pressed', String(state.mode === 'people'));
    byId('m-teams').setAttribute('aria-pressed', String(state.mode === 'teams'));
    if (location.hash.length > 1) { history.pushState(null, '', location.pathname + location.search); }
    compute();
    showMatrix();
    layout();
    status();
  }

  // ---- per-person and per-account views -----------------------------------------------------
  const go = (kind, name) => { location.hash = `${kind}=${encodeURIComponent(name)}`; };
  const detail = byId('jg-detail');
  function showMatrix() {
    detail.hidden = true; detail.innerHTML = '';
    byId('jg-matrix').hidden = false; byId('jg-status').hidden = false;
  }
  function showDetail(html) {
    byId('jg-matrix').hidden = true; byId('jg-status').hidden = true;
    detail.hidden = false;
    detail.innerHTML = `<p><button type="button" class="back" id="jg-back">← Back to the matrix</button></p>${html}`;
    const h = byId('jg-dh');
    if (h) h.focus();
  }
  const expiryCell = (k) => {
    const e = str(P[k * W + 5]);
    return e ? `${badge(expiry(k), true)} <time datetime="${esc(e)}">${esc(e)}</time>` : '—';
  };
  function personView(i) {
    const p = people[i];
    const ks = byPerson[i].slice().sort((x, y) => accountOrder(P[x * W + 1], P[y * W + 1]) ||
      P[x * W + 2] - P[y * W + 2]);
    const rows = ks.map((k) => {
      const a = accounts[P[k * W + 1]];
      return `<tr><td><button type="button" class="linkish" data-a="${a.i}">${esc(a.name)}</button></td>` +
        `<td><code>${esc(a.id)}</code></td><td>${envTag(a)}</td><td>${esc(a.team || '—')}</td>` +
        `<td>${chip(P[k * W + 2])}</td><td>${esc(str(P[k * W + 3]) || '')}</td>` +
        `<td><code class="arn">${esc(str(P[k * W + 4]) || '')}</code></td><td>${expiryCell(k)}</td>` +
        `<td>${esc(str(P[k * W + 6]) || '—')}</td><td><code>${esc(str(P[k * W + 7]) || '')}</code></td></tr>`;
    });
    showDetail(`<h2 id="jg-dh" tabindex="-1">${esc(p.dn)} <span class="nm">(${esc(p.name)})</span></h2>` +
      `<p>Teams: ${esc(p.teams.join(', ') || '—')} · ${plural(ks.length, 'path', 'paths')}</p>` +
      `<table id="jg-dt" data-kind="person"><caption class="sr">All access paths of ${esc(p.dn)}</caption>` +
      '<thead><tr><th scope="col">Account</th><th scope="col">Account ID</th><th scope="col">Environment</th>' +
      '<th scope="col">Team</th><th scope="col">Level</th><th scope="col">Role</th>' +
      '<th scope="col">Role ARN</th><th scope="col">Expires</th><th scope="col">Reason</th>' +
      `<th scope="col">Source</th></tr></thead><tbody>${rows.join('')}</tbody></table>`);
  }
  function accountView(i) {
    const a = accounts[i];
    const ks = byAccount[i].slice().sort((x, y) => P[x * W + 2] - P[y * W + 2] ||
      cmp(people[P[x * W]].name, people[P[y * W]].name));
    const rows = ks.map((k) => {
      const p = people[P[k * W]];
      return `<tr><td><button type="button" class="linkish" data-p="${p.i}">${esc(p.name)}</button></td>` +
        `<td>${esc(p.dn)}</td><td>${esc(p.teams.join(', '))}</td><td>${chip(P[k * W + 2])}</td>` +
        `<td>${esc(str(P[k * W + 3]) || '')}</td><td>${expiryCell(k)}</td>` +
        `<td>${esc(str(P[k * W + 6]) || '—')}</td><td><code>${esc(str(P[k * W + 7]) || '')}</code></td></tr>`;
    });
    const who = new Set(ks.map((k) => P[k * W])).size;
    showDetail(`<h2 id="jg-dh" tabindex="-1">${esc(a.name)} <span class="nm">(${esc(a.id)})</span></h2>` +
      `<p>Environment ${envTag(a)} · team ${esc(a.team || '—')} · reached by ` +
      `${plural(who, 'person', 'people')} through ${plural(ks.length, 'path', 'paths')}</p>` +
      `<table id="jg-dt" data-kind="account"><caption class="sr">Who reaches ${esc(a.name)}</caption>` +
      '<thead><tr><th scope="col">Person</th><th scope="col">Name</th><th scope="col">Teams</th>' +
      '<th scope="col">Level</th><th scope="col">Role</th><th scope="col">Expires</th>' +
      `<th scope="col">Reason</th><th scope="col">Source</th></tr></thead><tbody>${rows.join('')}</tbody></table>`);
  }
  detail.addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (!b) return;
    if (b.id === 'jg-back') { history.pushState(null, '', location.pathname + location.search); route(); }
    else if (b.dataset.p) go('person', people[+b.dataset.p].name);
    else if (b.dataset.a) go('account', accounts[+b.dataset.a].name);
  });
  function route() {
    const m = /^#(person|account)=(.*)$/.exec(location.hash);
    let name = null;
    try { name = m && decodeURIComponent(m[2]); } catch (err) { name = null; }
    if (m && m[1] === 'person' && personPos.has(name)) personView(personPos.get(name));
    else if (m && m[1] === 'account' && accountPos.has(name)) accountView(accountPos.get(name));
    else if (m) showDetail(`<h2 id="jg-dh" tabindex="-1">No ${m[1]} named ${esc(name)}</h2>`);
    else { showMatrix(); paint(); }
  }
  window.addEventListener('hashchange', route);
  window.addEventListener('popstate', route);

  // ---- controls ------------------------------------------------------------------------------
  const form = byId('jg-controls');
  form.addEventListener('submit', (e) => e.preventDefault());
  const onSelect = (id, field, then) => byId(id).addEventListener('change', (e) => {
    state[field] = e.target.value;
    if (then) then();
    apply();
  });
  onSelect('f-team', 'team', () => { if (state.team) state.mode = 'people'; });
  onSelect('f-env', 'env');
  onSelect('f-level', 'level');
  let typing = 0;
  byId('f-q').addEventListener('input', (e) => {
    clearTimeout(typing);
    typing = setTimeout(() => { state.q = e.target.value; apply(); }, 120);
  });
  byId('f-q').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { clearTimeout(typing); state.q = e.target.value; apply(); }
  });
  byId('m-people').addEventListener('click', () => { state.mode = 'people'; apply(); });
  byId('m-teams').addEventListener('click', () => { state.mode = 'teams'; apply(); });
  form.addEventListener('reset', () => setTimeout(() => { state = initial(); apply(); }, 0));
  const lookup = (id, kind, pos, alt) => {
    const input = byId(id);
    const open = () => {
      const v = input.value.trim();
      const i = pos.has(v) ? pos.get(v) : alt(v);
      if (i != null && i >= 0) go(kind, (kind === 'person' ? people : accounts)[i].name);
      else if (v) byId('jg-status').textContent = `No ${kind} named “${v}”.`;
    };
    input.addEventListener('change', open);
    input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); open(); } });
  };
  lookup('f-person', 'person', personPos, (v) => people.findIndex((p) => p.dn === v));
  lookup('f-account', 'account', accountPos, () => -1);
  const lazyList = (inputId, listId, items) => byId(inputId).addEventListener('focus', () => {
    const list = byId(listId);
    if (list.childElementCount) return;
    const frag = d.createDocumentFragment();
    items().forEach(([value, label]) => {
      const o = d.createElement('option');
      o.value = value; o.label = label;
      frag.appendChild(o);
    });
    list.appendChild(frag);
  }, { once: true });
  lazyList('f-person', 'dl-people', () => people.map((p) => [p.name, p.dn]));
  lazyList('f-account', 'dl-accounts', () => colOrder.map((a) => [accounts[a].name, `${accounts[a].id} · ${accounts[a].env}`]));

  // ---- print: the whole current matrix as a plain table (capped) -----------------------------
  const PRINT_ROWS = 3000, PRINT_COLS = 60;
  function preparePrint() {
    d.querySelectorAll('.legend details').forEach((x) => { x.open = true; });
    const out = byId('jg-print');
    if (!detail.hidden || !view) { out.innerHTML = ''; return; }
    const rows = view.rows.slice(0, PRINT_ROWS), cols = view.cols.slice(0, PRINT_COLS);
    let h = `<table class="mx-print">${headHtml(cols, 0, view.mode === 'teams' ? 'Team' : 'Person')}<tbody>`;
    rows.forEach((r, i) => { h += `<tr>${rowHead(r, i)}${cols.map((a, j) => cellHtml(r, a, j + 2)).join('')}</tr>`; });
    h += '</tbody></table>';
    const cut = [];
    if (view.rows.length > rows.length) cut.push(`${num(view.rows.length - rows.length)} more rows`);
    if (view.cols.length > cols.length) cut.push(`${num(view.cols.length - cols.length)} more accounts`);
    if (cut.length) h += `<p>Not printed: ${cut.join(' and ')}. Filter by team or environment to print them.</p>`;
    out.innerHTML = h;
  }
  window.addEventListener('beforeprint', preparePrint);
  window.matchMedia('print').addEventListener('change', (e) => { if (e.matches) preparePrint(); });

  // ---- start -----------------------------------------------------------------------------------
  byId('m-people').setAttribute('aria-pressed', String(state.mode === 'people'));
  byId('m-teams').setAttribute('aria-pressed', String(state.mode === 'teams'));
  compute();
  layout();
  status();
  route();
  d.documentElement.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  d.documentElement.setAttribute('data-ready', '1');
})();
