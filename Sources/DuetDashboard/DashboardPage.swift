/// The dashboard's page: HTML, CSS and a small script in one string, shipped in the binary (no
/// framework, nothing loaded from the network). The script polls `GET /api/status` every 2 s
/// (`?poll=MS` changes it) and, when the study's `version` moved, reloads the trial table page it
/// shows; when `report_version` moved, it reloads the report frame (`/report`). Elements the
/// browser tests read: `#count-finished`, `#count-total`, `body[data-version]`, `#trial-rows`.
public enum DashboardPage {
    public static let html = """
    <!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
    <link rel="icon" href="data:,">
    <title>Duet dashboard</title>
    <style>
    body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
    header{background:#1f3b57;color:#fff;padding:.6em 1.2em;display:flex;gap:1em;align-items:baseline;flex-wrap:wrap}
    header h1{font-size:1.2em;margin:0}header code{color:#cfe3f7}
    #live{margin-left:auto;font-size:.85em}#live.stale{color:#ffb3b3}
    main{max-width:1200px;margin:0 auto;padding:0 1.2em 2em}
    section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;margin:1em 0;padding:.6em 1em}
    h2{font-size:1.05em;margin:.3em 0 .6em}
    .counts{display:flex;gap:1.4em;flex-wrap:wrap;font-size:.95em}.counts b{font-size:1.2em}
    .bar{height:10px;background:#e8e8e8;border-radius:5px;overflow:hidden;margin:.5em 0}
    .bar div{height:100%;background:#2e7d32;width:0}
    form{display:flex;gap:.8em;flex-wrap:wrap;align-items:end;font-size:.85em}
    fieldset{border:1px solid #ddd;padding:.2em .6em}label{white-space:nowrap}
    input[type=number]{width:7em}#ranges{display:flex;gap:.6em;flex-wrap:wrap}
    table{border-collapse:collapse;font-size:.82em;width:100%}
    th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:right}th{background:#f3f3f3;position:sticky;top:0}
    td.l,th.l{text-align:left}tbody tr{cursor:pointer}tbody tr:hover{background:#eef5fc}tr.sel{background:#dbeafb}
    .ok{color:#2e7d32}.bad{color:#b71c1c}.muted{color:#777}
    .pager{display:flex;gap:.8em;align-items:center;margin:.5em 0;font-size:.85em}
    pre{background:#f6f6f6;padding:.5em;overflow:auto;max-height:22em;font-size:.8em}
    #detail .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:1em}
    iframe{width:100%;border:0;min-height:400px}
    .plots{display:flex;gap:1em;flex-wrap:wrap}.plots svg{border:1px solid #eee;background:#fff;font-size:10px}
    .error{color:#b71c1c;font-size:.85em}
    </style></head>
    <body data-version="0">
    <header><h1>Duet dashboard</h1><span>study <code id="study">…</code></span><span id="live">connecting…</span></header>
    <main>
    <section id="progress"><h2>Progress</h2>
      <div class="counts">
        <span><b id="count-finished">0</b> finished of <b id="count-planned">?</b> planned</span>
        <span><b id="count-total">0</b> stored</span>
        <span>pending <b id="count-pending">0</b></span><span>running <b id="count-running">0</b></span>
        <span>complete <b id="count-complete">0</b></span><span>failed <b id="count-failed" class="bad">0</b></span>
        <span>feasible <b id="count-feasible" class="ok">0</b></span>
      </div>
      <div class="bar"><div id="bar"></div></div>
      <div class="muted" id="changed">—</div>
      <div id="objectives" class="muted"></div>
    </section>
    <section id="live-plots"><h2>Live <span class="muted">(updated as trials finish)</span></h2>
      <div class="plots"><svg id="plot-front" width="480" height="270" role="img" aria-label="Pareto front"></svg>
      <svg id="plot-convergence" width="480" height="270" role="img" aria-label="Convergence"></svg></div>
    </section>
    <section id="trials"><h2>Trials</h2>
      <form id="filters">
        <fieldset><legend>status</legend>
          <label><input type="checkbox" name="status" value="pending">pending</label>
          <label><input type="checkbox" name="status" value="running">running</label>
          <label><input type="checkbox" name="status" value="complete">complete</label>
          <label><input type="checkbox" name="status" value="failed">failed</label></fieldset>
        <label>feasible <select name="feasible"><option value="">any</option><option value="true">yes</option><option value="false">no</option></select></label>
        <span id="ranges"></span>
        <label>sort <select name="sort"><option value="number">storage order</option><option value="seconds">seconds</option></select></label>
        <label>order <select name="order"><option value="asc">ascending</option><option value="desc">descending</option></select></label>
        <label>rows <select name="limit"><option>25</option><option selected>50</option><option>100</option><option>500</option></select></label>
        <button type="submit">Apply</button>
      </form>
      <div class="error" id="filter-error"></div>
      <div class="pager"><button id="prev" type="button">◀ previous</button><span id="page-info">—</span><button id="next" type="button">next ▶</button></div>
      <div style="max-height:32em;overflow:auto"><table><thead id="trial-head"></thead><tbody id="trial-rows"></tbody></table></div>
    </section>
    <section id="detail" hidden><h2 id="detail-title">Trial</h2><div id="detail-body"></div></section>
    <section id="report-section"><h2>Report <span class="muted" id="report-info"></span></h2>
      <iframe id="report" title="Study report" src="about:blank"></iframe></section>
    </main>
    <script>
    'use strict';
    const params = new URLSearchParams(location.search);
    const POLL_MS = Math.max(200, Number(params.get('poll')) || 2000);
    const S = {version: -1, reportVersion: -1, objectives: null, offset: 0, query: '', total: 0, selected: null};
    const $ = (id) => document.getElementById(id);
    function el(tag, props, ...kids) {
      const e = document.createElement(tag);
      for (const [k, v] of Object.entries(props || {})) { if (k === 'class') e.className = v; else e[k] = v; }
      for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
      return e;
    }
    function fmt(v) {
      if (v === null || v === undefined) return '–';
      if (typeof v !== 'number') return String(v);
      if (v === 0 || Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
      const a = Math.abs(v);
      return a >= 1e6 || a < 1e-3 ? v.toExponential(3) : String(Number(v.toPrecision(5)));
    }
    async function getJSON(url) {
      const r = await fetch(url, {cache: 'no-store'});
      const j = await r.json();
      if (!r.ok) { const e = new Error(j.error ? j.error.message : r.statusText); e.issues = j.error && j.error.issues; throw e; }
      return j;
    }
    function setText(id, v) { const e = $(id); if (e.textContent !== String(v)) e.textContent = String(v); }
    function showStatus(s) {
      setText('study', s.study);
      document.title = 'Duet dashboard: ' + s.name;
      const c = s.counts;
      setText('count-finished', c.finished); setText('count-total', c.total); setText('count-pending', c.pending);
      setText('count-running', c.running); setText('count-complete', c.complete); setText('count-failed', c.failed);
      setText('count-feasible', c.feasible);
      setText('count-planned', s.planned_trials === null ? '?' : s.planned_trials);
      const denom = s.planned_trials || c.total || 1;
      $('bar').style.width = Math.min(100, 100 * c.finished / denom).toFixed(1) + '%';
      setText('changed', 'last change ' + (s.changed_at || '—') + ' · checked ' + (s.checked_at || '—'));
      const obj = s.objectives.map(o => o.name + ' (' + o.direction + ')').join(', ');
      const bud = s.budgets.map(b => b.name + ' ≤ ' + fmt(b.limit)).join(', ');
      const acc = s.accuracy.map(a => a.task + ': ' + a.label).join(', ');
      setText('objectives', 'objectives: ' + (obj || '—') + (bud ? ' · budgets: ' + bud : '') + (acc ? ' · accuracy: ' + acc : ''));
      document.body.dataset.version = s.version;
    }
    function buildFilters(objectives) {
      S.objectives = objectives.map(o => o.name);
      const ranges = $('ranges'), sort = document.querySelector('select[name=sort]');
      for (const name of S.objectives) {
        ranges.append(el('fieldset', {}, el('legend', {}, name),
          el('label', {}, 'min ', el('input', {type: 'number', step: 'any', name: 'min.' + name})), ' ',
          el('label', {}, 'max ', el('input', {type: 'number', step: 'any', name: 'max.' + name}))));
        sort.append(el('option', {value: name}, name));
      }
      const head = el('tr', {}, el('th', {class: 'l'}, 'gen/slot'), el('th', {class: 'l'}, 'status'), el('th', {}, 'feasible'));
      for (const name of S.objectives) head.append(el('th', {}, name));
      head.append(el('th', {}, 'violation'), el('th', {}, 'seconds'));
      $('trial-head').replaceChildren(head);
    }
    function formQuery() {
      const f = new FormData($('filters')), q = new URLSearchParams();
      const statuses = f.getAll('status');
      if (statuses.length) q.set('status', statuses.join(','));
      for (const [k, v] of f.entries()) if (k !== 'status' && v !== '') q.set(k, v);
      return q;
    }
    async function loadTrials() {
      if (S.objectives === null) return;
      const q = formQuery(); q.set('offset', S.offset);
      try {
        const page = await getJSON('/api/trials?' + q.toString());
        $('filter-error').textContent = '';
        S.total = page.total;
        const rows = page.rows.map(r => {
          const key = r.generation + '/' + r.slot;
          const tr = el('tr', {class: key === S.selected ? 'sel' : ''},
            el('td', {class: 'l'}, key), el('td', {class: 'l'}, r.status),
            el('td', {class: r.feasible ? 'ok' : 'muted'}, r.feasible ? 'yes' : 'no'));
          for (const name of S.objectives) tr.append(el('td', {}, fmt(r.objectives[name])));
          tr.append(el('td', {}, fmt(r.violation)), el('td', {}, fmt(r.seconds)));
          tr.dataset.key = key;
          tr.addEventListener('click', () => showTrial(r.generation, r.slot));
          return tr;
        });
        $('trial-rows').replaceChildren(...rows);
        const first = page.total === 0 ? 0 : page.offset + 1, last = page.offset + page.rows.length;
        setText('page-info', 'rows ' + first + '–' + last + ' of ' + page.total);
        $('prev').disabled = page.offset === 0;
        $('next').disabled = last >= page.total;
      } catch (e) {
        $('filter-error').textContent = e.message;
      }
    }
    function kvTable(title, obj, mark) {
      const t = el('table', {}, el('thead', {}, el('tr', {}, el('th', {class: 'l'}, title), el('th', {}, 'value'))));
      const b = el('tbody');
      for (const [k, v] of Object.entries(obj || {})) {
        const td = el('td', {}, fmt(v));
        if (mark) td.className = v !== null && v <= 0 ? 'ok' : 'bad';
        b.append(el('tr', {}, el('td', {class: 'l'}, k), td));
      }
      t.append(b);
      return t;
    }
    async function showTrial(g, s) {
      S.selected = g + '/' + s;
      for (const tr of $('trial-rows').children) tr.classList.toggle('sel', tr.dataset.key === S.selected);
      try {
        const t = await getJSON('/api/trials/' + g + '/' + s);
        $('detail').hidden = false;
        setText('detail-title', 'Trial ' + g + '/' + s + ' — ' + t.status + (t.feasible ? ', feasible' : ''));
        const info = {status: t.status, feasible: t.feasible ? 'yes' : 'no', violation: t.violation, seconds: t.seconds,
                      worker: t.worker, retries: t.retries, seed: t.seed, 'duet version': t.version};
        const body = el('div', {class: 'grid'},
          kvTable('trial', info), kvTable('objective', Array.isArray(t.objectives) ? Object.assign({}, t.objectives) : t.objectives),
          kvTable('metric', t.metrics), kvTable('budget violation (≤ 0: met)', t.constraints, true));
        const extra = [];
        if (t.error) extra.push(el('p', {class: 'bad'}, 'error: ' + t.error));
        extra.push(el('h3', {}, 'design'), el('pre', {}, typeof t.design === 'string' ? t.design : JSON.stringify(t.design, null, 2)));
        extra.push(el('h3', {}, 'genome'), el('pre', {}, JSON.stringify(t.genome)));
        $('detail-body').replaceChildren(body, ...extra);
      } catch (e) {
        $('detail').hidden = false;
        $('detail-body').replaceChildren(el('p', {class: 'error'}, e.message));
      }
    }
    const SVG_NS = 'http://www.w3.org/2000/svg';
    function svgEl(tag, attrs, text) {
      const e = document.createElementNS(SVG_NS, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
      if (text !== undefined) e.textContent = text;
      return e;
    }
    function tick(v) {
      const a = Math.abs(v);
      return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(2) : String(Number(v.toPrecision(3)));
    }
    // A small plot: series of [x, y] points as circles or a line; axes from the finite values.
    function plot(svg, title, xLabel, yLabel, series, empty) {
      const W = Number(svg.getAttribute('width')), H = Number(svg.getAttribute('height'));
      const L = 62, R = 14, T = 26, B = 40, pw = W - L - R, ph = H - T - B;
      const pts = series.flatMap(s => s.points).filter(p => Number.isFinite(p[0]) && Number.isFinite(p[1]));
      svg.replaceChildren(svgEl('text', {x: W / 2, y: 15, 'text-anchor': 'middle', 'font-size': 12}, title));
      if (!pts.length) { svg.append(svgEl('text', {x: W / 2, y: H / 2, 'text-anchor': 'middle', fill: '#777'}, empty)); return; }
      function range(vs) {
        let lo = Math.min(...vs), hi = Math.max(...vs);
        if (lo === hi) { const d = Math.abs(lo) * 0.05 || 1; lo -= d; hi += d; }
        const pad = (hi - lo) * 0.05; return [lo - pad, hi + pad];
      }
      const [x0, x1] = range(pts.map(p => p[0])), [y0, y1] = range(pts.map(p => p[1]));
      const sx = x => L + (x - x0) / (x1 - x0) * pw, sy = y => T + ph - (y - y0) / (y1 - y0) * ph;
      svg.append(svgEl('rect', {x: L, y: T, width: pw, height: ph, fill: 'none', stroke: '#888'}));
      for (let i = 0; i <= 4; i++) {
        const fx = x0 + (x1 - x0) * i / 4, fy = y0 + (y1 - y0) * i / 4;
        svg.append(svgEl('text', {x: sx(fx), y: T + ph + 13, 'text-anchor': 'middle'}, tick(fx)));
        svg.append(svgEl('text', {x: L - 4, y: sy(fy) + 3, 'text-anchor': 'end'}, tick(fy)));
        svg.append(svgEl('line', {x1: L, x2: L + pw, y1: sy(fy), y2: sy(fy), stroke: '#eee'}));
      }
      svg.append(svgEl('text', {x: L + pw / 2, y: H - 6, 'text-anchor': 'middle'}, xLabel));
      svg.append(svgEl('text', {x: 12, y: T + ph / 2, 'text-anchor': 'middle', transform: 'rotate(-90 12 ' + (T + ph / 2) + ')'}, yLabel));
      for (const s of series) {
        const ps = s.points.filter(p => Number.isFinite(p[0]) && Number.isFinite(p[1]));
        if (s.line) svg.append(svgEl('polyline', {fill: 'none', stroke: s.color, 'stroke-width': 2, points: ps.map(p => sx(p[0]).toFixed(1) + ',' + sy(p[1]).toFixed(1)).join(' ')}));
        else for (const p of ps) svg.append(svgEl('circle', {cx: sx(p[0]).toFixed(1), cy: sy(p[1]).toFixed(1), r: 3.5, fill: s.color}));
      }
    }
    async function loadPlots() {
      if (S.objectives === null) return;
      try {
        const [front, conv] = await Promise.all([getJSON('/api/front'), getJSON('/api/convergence')]);
        const o = S.objectives;
        if (o.length >= 2) {
          const pts = front.rows.map(r => [r.objectives[o[0]], r.objectives[o[1]]]).sort((a, b) => a[0] - b[0]);
          plot($('plot-front'), 'Pareto front (' + pts.length + ' feasible designs)', o[0], o[1],
               [{points: pts, color: '#bbb', line: true}, {points: pts, color: '#d62728'}], 'no feasible design yet');
        } else $('plot-front').style.display = 'none';
        plot($('plot-convergence'), 'Best feasible ' + (conv.objective || '') + ' (' + (conv.direction || '') + ')', 'finished trials', conv.objective || '',
             [{points: conv.points, color: '#1f6fb4', line: true}], 'no feasible design yet');
      } catch (e) {
        $('filter-error').textContent = e.message;
      }
    }
    function reloadReport(v) {
      $('report').src = '/report?v=' + v;
      setText('report-info', '(study version ' + v + ')');
    }
    $('report').addEventListener('load', () => {
      const d = $('report').contentDocument;
      if (d && d.documentElement) $('report').style.height = (d.documentElement.scrollHeight + 20) + 'px';
    });
    $('filters').addEventListener('submit', (e) => { e.preventDefault(); S.offset = 0; loadTrials(); });
    $('prev').addEventListener('click', () => { S.offset = Math.max(0, S.offset - Number(formQuery().get('limit') || 50)); loadTrials(); });
    $('next').addEventListener('click', () => { S.offset += Number(formQuery().get('limit') || 50); loadTrials(); });
    async function tick() {
      try {
        const s = await getJSON('/api/status');
        showStatus(s);
        if (S.objectives === null && s.objectives.length) buildFilters(s.objectives);
        if (s.version !== S.version) { S.version = s.version; await Promise.all([loadTrials(), loadPlots()]); }
        if (s.report_version !== S.reportVersion && s.report_version > 0) { S.reportVersion = s.report_version; reloadReport(s.report_version); }
        $('live').className = ''; setText('live', 'live · every ' + POLL_MS / 1000 + ' s');
      } catch (e) {
        $('live').className = 'stale'; setText('live', 'not reachable: ' + e.message);
      } finally {
        setTimeout(tick, POLL_MS);
      }
    }
    tick();
    </script>
    </body></html>

    """
}
