// The tenant dashboard in the browser: bundled with chart.js by esbuild at server start (assets.ts).
// The token stays in this tab's sessionStorage and goes out only in the Authorization header; a
// link with #token=… (what `mvkit serve` prints) hands it over without sending it to the server in a URL.
import Chart from 'chart.js/auto';

const $ = (id) => document.getElementById(id);
const state = { token: null, me: null, charts: {} };

function takeToken() {
  const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('mvkit.token', decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname);
  }
  return sessionStorage.getItem('mvkit.token');
}

async function api(path, params = {}) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v != null));
  const res = await fetch(`/api/v1/${path}${q.size ? `?${q}` : ''}`, { headers: { authorization: `Bearer ${state.token}` } });
  const body = await res.json();
  if (!res.ok) throw Object.assign(new Error(body.error + (body.hint ? ` (${body.hint})` : '')), { status: res.status });
  return body;
}

/** Every page of a view, following next_cursor. */
async function all(view, params) {
  const rows = [];
  let cursor;
  do {
    const page = await api(view, { ...params, limit: 1000, cursor });
    rows.push(...page.rows);
    cursor = page.next_cursor;
  } while (cursor);
  return rows;
}

const ratio = (n, d) => (d > 0 ? n / d : null);
const pct = (v) => (v == null ? '–' : `${(v * 100).toFixed(1)}%`);

/** Campaign rows (per campaign, channel and day) summed per campaign; rates as the models define them. */
export function perCampaign(rows) {
  const by = new Map();
  for (const r of rows) {
    const k = `${r.campaign_id ?? ''}\u0000${r.category ?? ''}`;
    const a = by.get(k) ?? { campaign_id: r.campaign_id, category: r.category, submitted: 0, sent: 0, delivered: 0, read: 0, failed: 0 };
    for (const m of ['submitted', 'sent', 'delivered', 'read', 'failed']) a[m] += r[m] ?? 0;
    by.set(k, a);
  }
  return [...by.values()]
    .map((a) => ({ ...a, delivery_rate: ratio(a.delivered, a.sent), read_rate: ratio(a.read, a.delivered), failure_rate: ratio(a.failed, a.submitted) }))
    .sort((x, y) => y.submitted - x.submitted || String(x.campaign_id).localeCompare(String(y.campaign_id)));
}

function lineChart(id, labels, datasets, yOptions) {
  state.charts[id]?.destroy();
  state.charts[id] = new Chart($(id), {
    type: 'line',
    data: { labels, datasets: datasets.map((d) => ({ ...d, spanGaps: true, pointRadius: 3 })) },
    options: { animation: false, responsive: true, interaction: { mode: 'index', intersect: false }, scales: { y: yOptions } },
  });
}

async function load() {
  const d = state.me.dashboard;
  const channel = $('channel').value;
  const range = { from: $('from').value, to: $('to').value };
  $('status').textContent = 'loading…';
  const [daily, campaignRows] = await Promise.all([
    channel ? all(d.dailyByChannel, { ...range, channel }) : all(d.daily, range),
    all(d.campaigns, { ...range, channel }),
  ]);
  const labels = daily.map((r) => r.day.slice(0, 10));
  lineChart('rates', labels, [
    { label: 'delivery rate', data: daily.map((r) => r.delivery_rate) },
    { label: 'read rate', data: daily.map((r) => r.read_rate) },
    { label: 'failure rate', data: daily.map((r) => r.failure_rate) },
  ], { min: 0, max: 1, ticks: { callback: (v) => `${Math.round(v * 100)}%` } });
  lineChart('latency', labels, [
    { label: 'p50 (s)', data: daily.map((r) => r.latency_p50_s) },
    { label: 'p90 (s)', data: daily.map((r) => r.latency_p90_s) },
    { label: 'average (s)', data: daily.map((r) => r.avg_latency_s) },
  ], { min: 0 });
  const campaigns = perCampaign(campaignRows);
  const body = $('campaigns').querySelector('tbody');
  body.replaceChildren(...campaigns.map((c) => {
    const tr = document.createElement('tr');
    for (const v of [c.campaign_id ?? '(none)', c.category ?? '', c.submitted, c.delivered, c.read, c.failed, pct(c.delivery_rate), pct(c.read_rate), pct(c.failure_rate)]) {
      const td = document.createElement('td');
      td.textContent = String(v);
      tr.append(td);
    }
    return tr;
  }));
  if (!channel) {
    const seen = new Set([...$('channel').options].map((o) => o.value));
    for (const ch of new Set(campaignRows.map((r) => r.channel_id))) if (ch && !seen.has(ch)) $('channel').append(new Option(ch, ch));
  }
  $('status').textContent = `${daily.length} day(s), ${campaigns.length} campaign(s)`;
  window.mvkitDashboard = { tenant: state.me.tenant, daily, campaigns, charts: state.charts, ready: true };
  document.body.dataset.ready = 'true';
}

async function open() {
  try {
    state.me = await api('me');
  } catch (e) {
    sessionStorage.removeItem('mvkit.token');
    $('login').hidden = false;
    $('login-error').textContent = e.status === 401 ? 'That token is not valid.' : e.message;
    return;
  }
  $('login').hidden = true;
  $('dash').hidden = false;
  $('tenant').textContent = `· ${state.me.tenant}`;
  await load().catch((e) => { $('status').textContent = e.message; });
}

$('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  state.token = $('token').value.trim();
  sessionStorage.setItem('mvkit.token', state.token);
  void open();
});
$('range').addEventListener('submit', (ev) => {
  ev.preventDefault();
  void load().catch((e) => { $('status').textContent = e.message; });
});
$('signout').addEventListener('click', () => {
  sessionStorage.removeItem('mvkit.token');
  location.reload();
});

state.token = takeToken();
if (state.token) void open();
else $('login').hidden = false;
