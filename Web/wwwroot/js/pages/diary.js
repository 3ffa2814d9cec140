// The live Work Diary of one contract and one day (the viewer's day, in their time zone): hour rows of 10-minute
// tiles with thumbnail, activity meter, memo, app and window, comment and status. New captures appear without a
// reload; the client rejects, the freelancer deletes, edits memos, comments and asks for review.
import { ApiError, del, get, param, post, put, signedIn } from '../api.js';
import { $, h, clear, onSubmit, say } from '../dom.js';
import {
  addDays, describe, formatDay, formatDateTime, formatMinutes, formatTime, localDate, localInputToIso, parseLocalDate,
} from '../format.js';
import { header, Notices } from '../chrome.js';
import { LiveWorkView, showLiveState } from '../live.js';

const me = await signedIn('client', 'freelancer');
header(me);

const contractId = param('contract');
const status = $('#diary-status');
if (!contractId) {
  $('#day-title').textContent = 'No contract chosen';
  say(status, 'Open the Work Diary from your list of contracts.', true);
  throw new Error('no contract');
}

let contract;
try {
  contract = await get(`/api/contracts/${encodeURIComponent(contractId)}`);
} catch (error) {
  $('#day-title').textContent = 'Contract not found';
  say(status, error instanceof ApiError ? error.detail : String(error), true);
  throw error;
}

const isClient = me.userId === contract.clientId;
const isFreelancer = me.userId === contract.freelancerId;
const segmentMinutes = contract.segmentMinutes;
const segmentMs = segmentMinutes * 60_000;
const columns = Math.ceil(60 / segmentMinutes);

// The day shown: the viewer's calendar day, midnight to midnight in their zone (23 or 25 hours across DST).
const dayStart = parseLocalDate(param('date')) || parseLocalDate(localDate());
const dayEnd = addDays(dayStart, 1);
const segments = new Map(); // segment start (ms) → segment as the API gives it
const rendered = new Map(); // segment start (ms) → JSON of what its tile shows, to redraw only what changed

// Page chrome: title, day navigation, links.
document.title = `${contract.title} · Work Diary · LiveTracker`;
$('#title').textContent = contract.title;
$('#subtitle').textContent = isClient ? 'Work Diary: watch work arrive; reject what is not your work.' : 'Your Work Diary for this contract.';
$('#contract-link').href = `/contract.html?contract=${encodeURIComponent(contractId)}`;
$('#contract-link').textContent = isClient ? 'Weekly limit, payment and timesheets' : 'Timesheets and earnings';
const dayLink = (date) => `/diary.html?contract=${encodeURIComponent(contractId)}&date=${localDate(date)}`;
$('#prev-day').href = dayLink(addDays(dayStart, -1));
$('#next-day').href = dayLink(addDays(dayStart, 1));
$('#today').href = dayLink(new Date());
$('#pick-contract').value = contractId;
$('#pick-date').value = localDate(dayStart);
$('#day-title').textContent = formatDay(dayStart);

const notices = new Notices($('#notices'), isClient ? 'client' : 'freelancer');

// ---- Loading and drawing the day ------------------------------------------------------------------------------

/** The UTC days that the viewer's day touches: the API serves the diary by UTC day. */
function utcDates() {
  const dates = new Set();
  for (let at = dayStart.getTime(); at < dayEnd.getTime(); at += 3_600_000) {
    dates.add(new Date(at).toISOString().slice(0, 10));
  }
  dates.add(new Date(dayEnd.getTime() - 1).toISOString().slice(0, 10));
  return [...dates];
}

let loading = null;
let again = false;

/** Reads the day again; calls during a read coalesce into one more read after it. */
async function loadDay() {
  if (loading) {
    again = true;
    return loading;
  }
  loading = (async () => {
    try {
      do {
        again = false;
        const days = await Promise.all(utcDates().map((date) =>
          get(`/api/contracts/${encodeURIComponent(contractId)}/diary?date=${date}`)));
        const fresh = new Map();
        for (const day of days) {
          for (const segment of day.segments) {
            const at = Date.parse(segment.segmentStart);
            if (at >= dayStart.getTime() && at < dayEnd.getTime()) fresh.set(at, segment);
          }
        }
        for (const at of [...segments.keys()]) {
          if (!fresh.has(at)) segments.delete(at);
        }
        for (const [at, segment] of fresh) segments.set(at, segment);
        draw();
      } while (again);
    } catch (error) {
      say(status, `Could not load the diary: ${error.detail || error.message}`, true);
    } finally {
      loading = null;
    }
  })();
  return loading;
}

let reloadTimer = null;
function reloadSoon(delay = 300) {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(loadDay, delay);
}

/** The local hour a segment falls in (exact across DST: the minutes past the hour are taken off the instant). */
function hourOf(at) {
  const date = new Date(at);
  return at - date.getMinutes() * 60_000 - date.getSeconds() * 1000 - date.getMilliseconds();
}

function hourRow(hourAt) {
  const hours = $('#hours');
  let row = hours.querySelector(`[data-hour="${hourAt}"]`);
  if (row) return row;
  const slots = h('ol', { class: 'slots', 'aria-label': `${formatTime(hourAt)} to ${formatTime(hourAt + 3_600_000)}` });
  slots.style.setProperty('--cols', String(columns));
  for (let column = 0; column < columns; column++) {
    slots.append(h('li', { class: 'slot empty', dataset: { column: String(column) }, 'aria-hidden': 'true' }));
  }
  row = h('li', { class: 'hour', dataset: { hour: String(hourAt) } },
    h('h3', {}, formatTime(hourAt), h('span', { class: 'hour-total' })),
    slots);
  const later = [...hours.children].find((r) => Number(r.dataset.hour) > hourAt);
  hours.insertBefore(row, later || null);
  return row;
}

function draw() {
  for (const [at, segment] of [...segments].sort((a, b) => a[0] - b[0])) {
    const shown = JSON.stringify(segment);
    if (rendered.get(at) === shown) continue;
    rendered.set(at, shown);
    placeTile(at, segment);
  }
  // Tiles whose segment is gone (rare: a reload after a week was re-read) go back to empty slots.
  for (const at of [...rendered.keys()]) {
    if (segments.has(at)) continue;
    rendered.delete(at);
    const tile = document.querySelector(`.tile[data-at="${at}"]`);
    tile?.replaceWith(h('li', { class: 'slot empty', dataset: { column: tile.dataset.column }, 'aria-hidden': 'true' }));
  }
  summarise();
}

function placeTile(at, segment) {
  const row = hourRow(hourOf(at));
  const column = Math.min(columns - 1, Math.floor(new Date(at).getMinutes() / segmentMinutes));
  const slot = row.querySelector(`.slots > [data-column="${column}"]`);
  const hadFocus = slot?.contains(document.activeElement);
  const tile = buildTile(at, segment, column);
  if (slot) slot.replaceWith(tile);
  else row.querySelector('.slots').append(tile);
  if (hadFocus) tile.querySelector('.tile-open').focus();
}

// Tiles are narrow: one word each.
const shortWords = { manual: 'Manual', 'over-limit': 'Over limit' };

const isActive = (minute) => minute.keystrokes + minute.mouseClicks + minute.scrolls > 0;

function buildTile(at, segment, column) {
  const start = new Date(at);
  const end = new Date(at + segmentMs);
  const activeMinutes = segment.activity.filter(isActive).length;
  const showImage = segment.screenshot && segment.status !== 'deleted';
  const statusWord = describe(segment.status);
  const label = [
    `${formatTime(start)} to ${formatTime(end)}`,
    statusWord,
    segment.billable ? null : 'not billed',
    `activity ${activeMinutes} of ${segment.activity.length} minutes`,
    segment.memo ? `memo: ${segment.memo}` : null,
  ].filter(Boolean).join(', ');

  const meter = h('span', { class: 'activity', role: 'img', 'aria-label': `Activity: ${activeMinutes} of ${segment.activity.length} minutes` },
    segment.activity.map((minute) => h('i', {
      class: isActive(minute) ? 'on' : null,
      title: `${formatTime(minute.minuteUtc)}: ${minute.keystrokes} keys, ${minute.mouseClicks} clicks, ${minute.scrolls} scrolls`,
    })));
  meter.style.setProperty('--ticks', String(segment.activity.length));

  const placeholder = {
    manual: 'Manual time',
    idle: 'Idle',
    deleted: 'Deleted',
    refunded: 'Refunded',
  }[segment.status] || (segment.screenshot ? 'Screenshot' : 'No screenshot');

  return h('li', {
    class: `tile status-${segment.status}`,
    dataset: { at: String(at), segmentStart: start.toISOString(), column: String(column), status: segment.status },
  },
  h('button', { type: 'button', class: 'tile-open', 'aria-haspopup': 'dialog', 'aria-label': `${label}. Open details` },
    h('span', { class: 'tile-head' },
      h('span', {}, formatTime(start)),
      h('span', { class: `badge status-${segment.status}` }, shortWords[segment.status] || statusWord)),
    h('span', { class: 'thumb-box' },
      showImage ? h('img', { src: segment.screenshot.thumbUrl, alt: '', width: '320', height: '180', loading: 'lazy' }) : placeholder)),
  meter,
  segment.memo ? h('p', { class: 'memo', title: segment.memo }, segment.memo) : null,
  segment.appName || segment.windowTitle
    ? h('p', { class: 'app', title: [segment.appName, segment.windowTitle].filter(Boolean).join(' — ') },
      [segment.appName, segment.windowTitle].filter(Boolean).join(' — '))
    : null,
  segment.comment ? h('p', { class: 'comment' }, `“${segment.comment}”`) : null,
  segment.screenshot?.black ? h('span', { class: 'badge status-over-limit' }, 'Black screen') : null,
  !segment.billable && ['logged', 'manual'].includes(segment.status) ? h('span', { class: 'badge unbilled' }, 'Not billed') : null);
}

function summarise() {
  const all = [...segments.values()];
  const billable = all.filter((s) => s.billable).length * segmentMinutes;
  const shots = all.filter((s) => s.screenshot && s.status !== 'deleted').length;
  $('#day-total').textContent = `${formatMinutes(billable)} billable · ${shots} screenshot${shots === 1 ? '' : 's'}`;
  $('#day-empty').hidden = all.length > 0;
  for (const row of document.querySelectorAll('.hour')) {
    const hourAt = Number(row.dataset.hour);
    const minutes = all.filter((s) => s.billable && hourOf(Date.parse(s.segmentStart)) === hourAt).length * segmentMinutes;
    row.querySelector('.hour-total').textContent = formatMinutes(minutes);
  }
}

// ---- Live --------------------------------------------------------------------------------------------------

/** A capture's message carries what its tile shows: draw it at once, then read the day for what the server decided. */
function applyCapture(message) {
  const at = Date.parse(message.segmentStart);
  if (at < dayStart.getTime() || at >= dayEnd.getTime()) return;
  const known = segments.get(at);
  const empty = Array.from({ length: segmentMinutes }, (_, i) => ({
    minuteUtc: new Date(at + i * 60_000).toISOString(), keystrokes: 0, mouseClicks: 0, scrolls: 0,
  }));
  segments.set(at, {
    segmentStart: new Date(at).toISOString(),
    status: known?.status || 'logged',
    billable: known?.billable ?? true,
    unprotected: false,
    activeMinutes: known?.activeMinutes || 0,
    activity: known?.activity || empty,
    memo: message.memo ?? known?.memo ?? null,
    activityLabel: message.activityLabel ?? known?.activityLabel ?? null,
    comment: message.comment ?? known?.comment ?? null,
    appName: message.appName ?? known?.appName ?? null,
    windowTitle: message.windowTitle ?? known?.windowTitle ?? null,
    screenshot: { ...message.screenshot, reviewRequested: false },
    camera: known?.camera ?? null,
  });
  draw();
  document.querySelector(`.tile[data-at="${at}"]`)?.classList.add('new');
}

function showTracking(message) {
  const line = $('#tracking-line');
  if (message.active) {
    line.textContent = message.at
      ? `Tracking since ${formatTime(message.at)}${message.memo ? `: ${message.memo}` : ''}`
      : `Tracking: ${message.memo || ''}`;
  } else {
    line.textContent = `Tracking stopped${message.at ? ` at ${formatTime(message.at)}` : ''}${message.reason ? ` (${message.reason})` : ''}`;
  }
}

const live = new LiveWorkView((method, message) => {
  notices.consider(method, message);
  switch (method) {
    case 'screenshotAdded':
      applyCapture(message);
      reloadSoon(600);
      break;
    case 'notification':
      break;
    case 'trackingChanged':
      showTracking(message);
      break;
    default:
      // Activity, memos, deletions, rejections, idle spans, refunds, limits: the server's view decides the tiles.
      reloadSoon();
  }
}, showLiveState($('#live-state')));
await live.watch(contractId);
await live.start();

if (isFreelancer) {
  get(`/api/me/tracking?contractId=${encodeURIComponent(contractId)}`).then((mine) => {
    if (mine.active && mine.contractId === contractId) showTracking({ active: true, at: mine.sessionStartedAt, memo: mine.memo });
  }).catch(() => {});
}
await loadDay();

// ---- The screenshot dialog ---------------------------------------------------------------------------------

const dialog = $('#shot');
let openedAt = null;

document.querySelector('#hours').addEventListener('click', (event) => {
  const button = event.target.closest('.tile-open');
  if (!button) return;
  openShot(Number(button.closest('.tile').dataset.at));
});
$('#shot-close').addEventListener('click', () => dialog.close());
// A click on the backdrop (the dialog element itself, outside its content) closes it too.
dialog.addEventListener('click', (event) => { if (event.target === dialog) dialog.close(); });
dialog.addEventListener('close', () => {
  // Back to the tile that opened it, even if that tile was redrawn meanwhile.
  document.querySelector(`.tile[data-at="${openedAt}"] .tile-open`)?.focus();
});

function openShot(at) {
  const segment = segments.get(at);
  if (!segment) return;
  openedAt = at;
  const start = new Date(at);
  const end = new Date(at + segmentMs);
  $('#shot-title').textContent = `${formatTime(start)} – ${formatTime(end)} · ${describe(segment.status)}`;
  const body = clear($('#shot-body'));
  const shot = segment.screenshot;
  if (shot && segment.status !== 'deleted') {
    body.append(h('img', {
      class: 'shot-full',
      src: shot.url,
      alt: `Screenshot taken at ${formatTime(shot.capturedAt || at)}${segment.windowTitle ? `, ${segment.windowTitle}` : ''}`,
    }));
  }
  if (segment.camera) {
    body.append(h('p', {}, h('a', { href: segment.camera.url, target: '_blank', rel: 'noopener' }, 'Open the webcam photo of this segment')));
  }
  const facts = h('dl', { class: 'facts' });
  const fact = (term, value) => { if (value !== null && value !== undefined && value !== '') facts.append(h('dt', {}, term), h('dd', {}, value)); };
  fact('Status', `${describe(segment.status)}${segment.billable ? ', billed' : ', not billed'}`);
  fact('Memo', segment.memo);
  fact('Activity label', segment.activityLabel);
  fact('Application', segment.appName);
  fact('Window', segment.windowTitle);
  fact('Captured', shot?.capturedAt ? formatDateTime(shot.capturedAt) : null);
  fact('Comment', segment.comment);
  if (shot?.black) fact('Note', 'The screen was black when captured.');
  if (shot?.reviewRequested) fact('Review', 'The freelancer asked the client to review this rejection.');

  const minutes = h('table', { class: 'minutes' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Minute'), h('th', { class: 'num' }, 'Keys'), h('th', { class: 'num' }, 'Clicks'), h('th', { class: 'num' }, 'Scrolls'))),
    h('tbody', {}, segment.activity.map((m) => h('tr', {},
      h('td', {}, formatTime(m.minuteUtc)), h('td', { class: 'num' }, m.keystrokes), h('td', { class: 'num' }, m.mouseClicks), h('td', { class: 'num' }, m.scrolls)))));
  body.append(h('div', { class: 'shot-grid' },
    h('div', {}, facts),
    h('div', {}, h('h3', {}, `Activity (${segment.activity.filter(isActive).length} of ${segment.activity.length} minutes)`), minutes)));
  body.append(actions(at, segment));
  dialog.showModal();
}

/** What the viewer may do to this segment; each action closes the dialog and says what happened on the page. */
function actions(at, segment) {
  const box = h('div', { class: 'stack' });
  const shot = segment.screenshot;
  const when = formatTime(at);
  const done = async (message) => {
    dialog.close();
    say(status, message);
    await loadDay();
  };

  if (isClient && shot && !['rejected', 'deleted', 'refunded'].includes(segment.status)) {
    const form = h('form', { class: 'reject-form', novalidate: true },
      h('h3', {}, 'Not your work?'),
      h('div', { class: 'field' },
        h('label', { for: 'reject-reason' }, 'Reason for rejecting'),
        h('textarea', { id: 'reject-reason', name: 'reason', required: true, maxlength: '2000' })),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger' }, 'Reject screenshot')),
      h('p', { role: 'status' }));
    onSubmit(form, async ({ reason }) => {
      if (!reason.trim()) throw new Error('Say why this is not your work.');
      await post(`/api/screenshots/${encodeURIComponent(shot.id)}/reject`, { reason: reason.trim() });
      await done(`The screenshot of ${when} was rejected; the freelancer is told.`);
    });
    box.append(form);
  }

  if (isFreelancer && segment.status !== 'deleted') {
    const memo = h('form', { novalidate: true },
      h('div', { class: 'field' },
        h('label', { for: 'memo-text' }, 'Memo'),
        h('input', { id: 'memo-text', name: 'memo', value: segment.memo || '', maxlength: '1000', required: true })),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save memo')),
      h('p', { role: 'status' }));
    onSubmit(memo, async ({ memo: text }) => {
      await put(`/api/contracts/${encodeURIComponent(contractId)}/segments/${encodeURIComponent(new Date(at).toISOString())}/memo`,
        { memo: text, activityLabel: segment.activityLabel });
      await done(`Memo of ${when} saved.`);
    });
    box.append(memo);
  }

  if (isFreelancer && shot && segment.status !== 'deleted') {
    const comment = h('form', { novalidate: true },
      h('div', { class: 'field' },
        h('label', { for: 'comment-text' }, 'Comment for the client'),
        h('textarea', { id: 'comment-text', name: 'comment', maxlength: '2000' }, segment.comment || '')),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Save comment')),
      h('p', { role: 'status' }));
    onSubmit(comment, async ({ comment: text }) => {
      await put(`/api/screenshots/${encodeURIComponent(shot.id)}/comment`, { comment: text });
      await done(`Comment on ${when} saved.`);
    });
    box.append(comment);
  }

  if (isFreelancer && shot && segment.status === 'rejected' && !shot.reviewRequested) {
    const review = h('form', { novalidate: true },
      h('div', { class: 'field' },
        h('label', { for: 'review-text' }, 'Ask the client to review this rejection'),
        h('textarea', { id: 'review-text', name: 'message', maxlength: '2000', required: true })),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Request review')),
      h('p', { role: 'status' }));
    onSubmit(review, async ({ message }) => {
      await post(`/api/screenshots/${encodeURIComponent(shot.id)}/review-request`, { message });
      await done(`Review of ${when} requested; the client is told.`);
    });
    box.append(review);
  }

  if (isFreelancer && shot && segment.status !== 'deleted') {
    // Two steps: deleting removes the segment's time for good.
    const output = h('p', { role: 'status' });
    const confirm = h('button', { type: 'button', class: 'danger', hidden: true }, 'Yes, delete it and its time');
    const ask = h('button', { type: 'button', class: 'secondary' }, 'Delete screenshot…');
    ask.addEventListener('click', () => {
      confirm.hidden = false;
      say(output, `Deleting removes ${segmentMinutes} minutes from your time.`);
      confirm.focus();
    });
    confirm.addEventListener('click', async () => {
      confirm.disabled = true;
      try {
        await del(`/api/screenshots/${encodeURIComponent(shot.id)}`);
        await done(`The screenshot of ${when} was deleted with its time.`);
      } catch (error) {
        say(output, error.detail || error.message, true);
      } finally {
        confirm.disabled = false;
      }
    });
    box.append(h('div', {}, h('div', { class: 'actions' }, ask, confirm), output));
  }
  return box;
}

// ---- Manual time (freelancer) --------------------------------------------------------------------------------

if (isFreelancer) {
  $('#manual-panel').hidden = false;
  onSubmit($('#manual'), async ({ from, to, memo }) => {
    const fromIso = localInputToIso(from);
    const toIso = localInputToIso(to);
    if (!fromIso || !toIso || Date.parse(toIso) <= Date.parse(fromIso)) throw new Error('Choose a start and a later end.');
    await post(`/api/contracts/${encodeURIComponent(contractId)}/manual-time`, { from: fromIso, to: toIso, memo });
    $('#manual').reset();
    await loadDay();
    return `Manual time from ${formatDateTime(fromIso)} to ${formatTime(toIso)} added.`;
  });
}
