// The tracker's control page. Everything is relative to this page's address, which carries the per-start secret.
const $ = (id) => document.getElementById(id);
let state = null;
let editingMemo = false;

async function call(method, route, body) {
  const response = await fetch(route, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}

function show(result) {
  const message = $('message');
  message.hidden = !result || !result.message;
  if (!result) return;
  message.textContent = result.message;
  message.classList.toggle('ok', !!result.ok);
  $('take-over').hidden = result.code !== 'session-active-elsewhere';
}

async function command(method, route, body) {
  try {
    const result = await call(method, route, body);
    show(result);
    await refresh();
    return result;
  } catch (e) {
    show({ ok: false, message: 'The agent is not answering: is it still running?' });
    return null;
  }
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function clock(minutes) {
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}

function stopwatch(seconds) {
  const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

function time(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value !== null && value !== undefined) node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function render(view) {
  state = view;
  const statusText = { tracking: 'Tracking', idle: 'Paused — idle', 'display-lost': 'Paused — no display', off: 'Not tracking' }[view.status];
  $('status').textContent = statusText;
  $('status').className = `pill ${view.status}`;
  $('signed-out').hidden = view.signedIn;

  const select = $('contract');
  const hourly = view.contracts.filter((c) => c.kind === 'hourly' && !c.ended);
  const wanted = hourly.map((c) => c.contractId).join();
  if (select.dataset.ids !== wanted) {
    select.replaceChildren(...hourly.map((c) => el('option', { value: c.contractId }, c.title)));
    if (hourly.length === 0) select.append(el('option', { value: '' }, 'No hourly contracts'));
    select.dataset.ids = wanted;
  }
  if (view.contractId && document.activeElement !== select) select.value = view.contractId;
  select.disabled = view.status === 'tracking';

  if (!editingMemo) {
    $('memo').value = view.memo || '';
    $('label').value = view.activityLabel || '';
  }
  const tracking = view.status === 'tracking' || view.status === 'idle' || view.status === 'display-lost';
  $('toggle').textContent = tracking ? 'Stop tracking' : 'Start tracking';
  $('toggle').classList.toggle('danger', tracking);
  $('stopwatch').textContent = stopwatch(view.sessionSeconds);
  $('today').textContent = clock(view.todayMinutes);
  $('week').textContent = clock(view.weekMinutes);
  $('amount').textContent = view.currency ? `${(view.weekAmountCents / 100).toFixed(2)} ${view.currency}` : '—';
  $('pending').textContent = [
    view.pendingMinutes > 0 ? `${clock(view.pendingMinutes)} of this week is waiting to upload.` : '',
    view.capturesWaiting + view.minutesWaiting > 0 ? `Waiting to upload: ${plural(view.capturesWaiting, 'capture')}, ${plural(view.minutesWaiting, 'activity minute')}.` : '',
  ].join(' ');

  $('idle').hidden = !(view.idlePrompt && view.idlePrompt.returnedAt);
  if (view.idlePrompt) {
    $('idle-text').textContent =
      `You were idle for ${view.idlePrompt.idleMinutes} minutes (since ${time(view.idlePrompt.idleSince)}); that time is not tracked. Keep working on "${view.idlePrompt.memo}"?`;
  }
  $('memo-question').hidden = !view.memoQuestion;
  $('memo-question-text').textContent = view.memoQuestion || '';

  const problems = [view.notice, view.serverTrouble, view.notifierProblem, ...view.problems].filter(Boolean);
  $('problems').hidden = problems.length === 0;
  $('problem-list').replaceChildren(...problems.map((p) => el('li', {}, p)));

  // The list is rebuilt only when a capture comes, goes or changes state; the countdowns tick in place.
  const now = Date.parse(view.now);
  const countdown = (c) => {
    const left = Math.max(0, Math.round((Date.parse(c.uploadAfter) - now) / 1000));
    return c.state === 'waiting' ? (left > 0 ? `uploads in ${left} s` : 'waiting to upload') : c.state;
  };
  const list = $('captures');
  const signature = JSON.stringify(view.recentCaptures.map((c) => [c.key, c.state]));
  if (list.dataset.signature !== signature) {
    list.dataset.signature = signature;
    list.replaceChildren(...view.recentCaptures.map((c) => {
      const waiting = c.state === 'waiting';
      const discard = waiting || c.state === 'sent'
        ? el('button', { type: 'button', class: 'secondary', 'data-discard': c.key }, waiting ? 'Discard' : 'Delete')
        : null;
      return el('li', {},
        c.state === 'discarded' ? el('p', { class: 'muted' }, 'discarded') : el('img', { src: `api/captures/${c.key}/thumb`, alt: `Capture at ${time(c.capturedAt)}` }),
        el('div', {}, `${time(c.capturedAt)} `, el('span', { class: `state ${c.state}`, 'data-key': c.key }, countdown(c))),
        c.black ? el('div', { class: 'muted' }, 'black screen') : null,
        discard);
    }));
  } else {
    for (const c of view.recentCaptures) {
      const span = list.querySelector(`span[data-key="${c.key}"]`);
      if (span) span.textContent = countdown(c);
    }
  }

  const diary = $('diary-link'), timesheet = $('timesheet-link');
  diary.hidden = !view.diaryUrl; if (view.diaryUrl) diary.href = view.diaryUrl;
  timesheet.hidden = !view.timesheetUrl; if (view.timesheetUrl) timesheet.href = view.timesheetUrl;
  $('account').textContent = view.email ? `Signed in to ${view.server} as ${view.email}.` : '';

  const form = $('settings');
  for (const [key, value] of Object.entries(view.settings)) {
    const input = form.elements[key];
    if (!input || document.activeElement === input) continue;
    if (input.type === 'checkbox') input.checked = value === 'true'; else input.value = value;
  }
}

// The once-a-second poll and a command's own refresh can overlap and answer out of order; an answer older than the
// one on screen would turn the stopwatch and the countdowns back, so it is dropped.
let shownAt = 0;

async function refresh() {
  try {
    const view = await call('GET', 'api/state');
    const at = Date.parse(view.now);
    if (at < shownAt) return;
    shownAt = at;
    render(view);
  } catch (e) {
    $('status').textContent = 'Agent not running';
    $('status').className = 'pill';
  }
}

$('toggle').addEventListener('click', () => {
  const tracking = state && state.status !== 'off';
  if (tracking) return command('POST', 'api/stop', {});
  editingMemo = false;
  return command('POST', 'api/start', { contractId: $('contract').value || null, memo: $('memo').value, activityLabel: $('label').value });
});
$('take-over').addEventListener('click', () =>
  command('POST', 'api/start', { contractId: $('contract').value || null, memo: $('memo').value, activityLabel: $('label').value, takeOver: true }));
$('save-memo').addEventListener('click', async () => {
  editingMemo = false;
  await command('PUT', 'api/memo', { memo: $('memo').value, activityLabel: $('label').value });
});
for (const id of ['memo', 'label']) {
  $(id).addEventListener('input', () => { editingMemo = true; });
  $(id).addEventListener('keydown', (e) => { if (e.key === 'Enter') $('save-memo').click(); });
}
$('contract').addEventListener('change', () => command('POST', 'api/use', { contractId: $('contract').value }));
$('refresh').addEventListener('click', () => command('POST', 'api/contracts/refresh', {}));
$('idle-keep').addEventListener('click', () => command('POST', 'api/idle', { keepWorking: true }));
$('idle-stop').addEventListener('click', () => command('POST', 'api/idle', { keepWorking: false }));
$('memo-yes').addEventListener('click', () => command('POST', 'api/memo-question', {}));
$('memo-change').addEventListener('click', () => { $('memo').focus(); $('memo').select(); });
$('captures').addEventListener('click', (e) => {
  const key = e.target.getAttribute && e.target.getAttribute('data-discard');
  if (key) command('POST', `api/captures/${key}/discard`, {});
});
$('settings').addEventListener('change', (e) => {
  const input = e.target;
  const value = input.type === 'checkbox' ? String(input.checked) : input.value;
  command('PUT', `api/settings/${input.name}`, { value });
});
$('report-send').addEventListener('click', async () => {
  const result = await command('POST', 'api/report', { description: $('report-text').value });
  if (result && result.ok) $('report-text').value = '';
});

refresh();
setInterval(refresh, 1000);
