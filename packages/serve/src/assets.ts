import { dirname, join } from 'node:path';

/**
 * The dashboard's script, chart.js included, bundled by esbuild at server start: the page loads
 * nothing from a CDN. esbuild is loaded here only, so that the rest of mvkit never pays for it.
 */
export async function bundleDashboard(): Promise<string> {
  const { build } = await import('esbuild');
  const entry = join(dirname(new URL(import.meta.url).pathname), 'client', 'dashboard.js');
  const out = await build({
    entryPoints: [entry], bundle: true, write: false, format: 'iife', minify: true, target: 'es2020', legalComments: 'none', logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/** The page: its script and styles come from this server only (see the Content-Security-Policy). */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mvkit dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/dashboard.css"></head>
<body>
<header><h1>Messaging dashboard <span id="tenant"></span></h1>
<form id="range"><label>from <input type="date" id="from"></label> <label>to <input type="date" id="to"></label>
<label>channel <select id="channel"><option value="">all</option></select></label> <button>show</button>
<button type="button" id="signout">sign out</button></form></header>
<form id="login" hidden><p>Paste the tenant token <code>mvkit serve</code> printed:</p>
<input id="token" type="password" autocomplete="off" size="40"> <button>open</button><p id="login-error" class="error"></p></form>
<main id="dash" hidden>
<p id="status" class="muted"></p>
<section class="charts">
<figure><figcaption>Delivery, read and failure rates per day</figcaption><canvas id="rates"></canvas></figure>
<figure><figcaption>Delivery speed: p50 / p90 / average latency (s) per day</figcaption><canvas id="latency"></canvas></figure>
</section>
<section><h2>Campaigns</h2><table id="campaigns"><thead><tr>
<th>campaign</th><th>category</th><th>submitted</th><th>delivered</th><th>read</th><th>failed</th><th>delivery rate</th><th>read rate</th><th>failure rate</th>
</tr></thead><tbody></tbody></table></section>
</main>
<script src="/assets/dashboard.js"></script>
</body></html>
`;

export const DASHBOARD_CSS = `body{font:14px system-ui,sans-serif;margin:1.5rem;color:#1d2430}h1{font-size:1.3rem}h1 span{color:#566}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1.5rem}figure{margin:0}figcaption{font-weight:600;margin-bottom:.4rem}
table{border-collapse:collapse;width:100%}th,td{padding:.3rem .6rem;border-bottom:1px solid #dde}td{text-align:right;font-variant-numeric:tabular-nums}
td:first-child,td:nth-child(2),th:first-child,th:nth-child(2){text-align:left}.muted{color:#667}.error{color:#b00}form#range{margin-bottom:1rem}`;
