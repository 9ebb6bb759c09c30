/** The site's stylesheet and script: written as files, so the pages work from the file system with nothing fetched. */
export const SITE_CSS = `
:root { --fg:#1d2330; --muted:#5b6475; --line:#d9dee8; --bg:#fff; --accent:#2857d8; --ok:#1f8a4c; --warn:#b26a00; --bad:#c0392b; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; gap:16px; align-items:center; padding:10px 20px; border-bottom:1px solid var(--line); position:sticky; top:0; background:#f7f9fc; z-index:2; }
header a.home { font-weight:600; color:var(--fg); text-decoration:none; }
main { padding:16px 20px 40px; max-width:1400px; }
a { color:var(--accent); }
h1 { font-size:22px; margin:8px 0 4px; } h2 { font-size:16px; margin:24px 0 8px; border-bottom:1px solid var(--line); padding-bottom:4px; }
.muted { color:var(--muted); }
table { border-collapse:collapse; width:100%; } th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-weight:600; background:#f7f9fc; } td code, li code { font-size:12.5px; }
pre { background:#f5f7fb; border:1px solid var(--line); padding:10px; overflow:auto; font-size:12.5px; }
.badge { display:inline-block; padding:1px 7px; border-radius:10px; font-size:12px; border:1px solid var(--line); }
.badge.incremental { color:var(--ok); border-color:var(--ok); } .badge.full { color:var(--warn); border-color:var(--warn); } .badge.invalid, .badge.stale { color:var(--bad); border-color:var(--bad); }
.graph { overflow:auto; border:1px solid var(--line); padding:6px; background:#fcfdff; }
svg.lineage .edge { fill:none; stroke:#9aa4b8; stroke-width:1.4; } svg.lineage .edge.hot { stroke:var(--accent); stroke-width:2.2; }
svg.lineage marker path { fill:#9aa4b8; }
svg.lineage .node rect { fill:#fff; stroke:#7d879b; stroke-width:1.2; } svg.lineage .node.table rect { fill:#eef3ff; }
svg.lineage .node.v-incremental rect { stroke:var(--ok); } svg.lineage .node.v-full rect { stroke:var(--warn); } svg.lineage .node.v-invalid rect { stroke:var(--bad); }
svg.lineage .node.current rect { stroke-width:3; fill:#fffbe6; }
svg.lineage text { text-anchor:middle; font-size:12px; fill:var(--fg); } svg.lineage text.label { font-size:10.5px; fill:var(--muted); }
#search { width:340px; padding:5px 8px; border:1px solid var(--line); border-radius:4px; }
#results { position:absolute; top:44px; left:180px; background:#fff; border:1px solid var(--line); max-height:420px; overflow:auto; width:480px; box-shadow:0 4px 14px rgba(0,0,0,.12); }
#results:empty { display:none; } #results a { display:block; padding:5px 10px; text-decoration:none; color:var(--fg); } #results a:hover { background:#eef3ff; }
.src { font:12.5px/1.5 ui-monospace, monospace; } .src .ln { color:var(--muted); user-select:none; display:inline-block; width:4em; text-align:right; padding-right:1em; }
.src div:target { background:#fff3b0; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:4px 16px; } dl.facts dt { color:var(--muted); } dl.facts dd { margin:0; }
`;

/**
 * Search over model and column names. The index is a script (window.MVKIT_SEARCH) rather than
 * JSON, because a page opened from the file system cannot fetch a file next to it.
 */
export const SITE_JS = `
(function () {
  var input = document.getElementById('search');
  var results = document.getElementById('results');
  if (!input || !results) return;
  var root = document.body.getAttribute('data-root') || '';
  function render(q) {
    results.innerHTML = '';
    q = q.trim().toLowerCase();
    if (!q) return;
    var hits = [];
    (window.MVKIT_SEARCH || []).forEach(function (m) {
      if (m.name.toLowerCase().indexOf(q) >= 0) hits.push({ href: m.href, text: m.name, sub: m.kind });
      m.columns.forEach(function (c) {
        if (c.name.toLowerCase().indexOf(q) >= 0) hits.push({ href: m.href + '#col-' + c.name, text: m.name + '.' + c.name, sub: c.type });
      });
    });
    hits.slice(0, 60).forEach(function (h) {
      var a = document.createElement('a');
      a.href = root + h.href;
      a.className = 'hit';
      a.textContent = h.text + '  ';
      var s = document.createElement('span');
      s.className = 'muted';
      s.textContent = h.sub;
      a.appendChild(s);
      results.appendChild(a);
    });
    if (!hits.length) { var none = document.createElement('div'); none.className = 'muted'; none.style.padding = '6px 10px'; none.textContent = 'nothing matches'; results.appendChild(none); }
  }
  input.addEventListener('input', function () { render(input.value); });
  input.addEventListener('keydown', function (e) { if (e.key === 'Escape') { input.value = ''; render(''); } });
})();
`;
