// The freelancer's home: the current tracking session, Today and This Week, notifications arriving live, and each
// contract's earnings (pending until the security period ends, then available).
import { get, signedIn } from '../api.js';
import { $, h, clear } from '../dom.js';
import { formatDateTime, formatMinutes, formatMoney } from '../format.js';
import { header, Notices } from '../chrome.js';
import { LiveWorkView, showLiveState } from '../live.js';

const me = await signedIn('freelancer');
header(me);

const titles = new Map();
let contracts = [];
const notices = new Notices($('#notices'), 'freelancer', (id) => titles.get(id));
let trackingTimer = null;
let earningsTimer = null;

const live = new LiveWorkView((method, payload) => {
  notices.consider(method, payload);
  if (['trackingChanged', 'screenshotAdded', 'segmentUpdated', 'screenshotRejected', 'resync'].includes(method)) {
    clearTimeout(trackingTimer);
    trackingTimer = setTimeout(loadTracking, 500);
  }
  if (method === 'timesheetChanged' || method === 'resync') {
    clearTimeout(earningsTimer);
    earningsTimer = setTimeout(loadContracts, 500);
  }
}, showLiveState($('#live-state')));

async function loadTracking() {
  const mine = await get('/api/me/tracking');
  const session = $('#session');
  if (mine.active) {
    const title = titles.get(mine.contractId) || 'a contract';
    session.replaceChildren(
      h('strong', {}, 'Tracking now'), ` on ${title}, since ${formatDateTime(mine.sessionStartedAt)}`,
      mine.deviceId ? ` from ${mine.deviceId}` : '', mine.memo ? h('span', {}, ' — ', h('em', {}, mine.memo)) : '');
  } else {
    session.textContent = mine.lastStopReason
      ? `Not tracking (last session stopped: ${mine.lastStopReason}).`
      : 'Not tracking. Start the LiveTracker agent on your computer to log time.';
  }
  // Today and This Week over every hourly contract, not only the one being tracked now.
  const hourly = contracts.filter((c) => c.kind === 'hourly' && !c.ended);
  const totals = await Promise.all(hourly.map((c) =>
    get(`/api/me/tracking?contractId=${encodeURIComponent(c.contractId)}`).catch(() => null)));
  const sum = (field) => totals.reduce((total, t) => total + (t ? t[field] : 0), 0);
  $('#today-time').textContent = formatMinutes(sum('todayMinutes'));
  $('#week-time').textContent = formatMinutes(sum('weekMinutes'));
  $('#week-amount').textContent = formatMoney(sum('weekAmountCents'), hourly[0]?.currency || 'USD');
}

async function loadContracts() {
  contracts = await get('/api/contracts');
  // Watched before they are shown: a contract on the page gets its notices.
  for (const c of contracts) await live.watch(c.contractId);
  const ledgers = await Promise.all(contracts.map((c) =>
    get(`/api/contracts/${encodeURIComponent(c.contractId)}/ledger`).catch(() => null)));
  const list = clear($('#contracts'));
  list.removeAttribute('aria-busy');
  if (contracts.length === 0) list.append(h('li', { class: 'empty-note' }, 'No contracts yet: a client hires you by your e-mail address.'));
  contracts.forEach((c, i) => {
    titles.set(c.contractId, c.title);
    const ledger = ledgers[i];
    list.append(h('li', { class: 'card', dataset: { contractId: c.contractId } },
      h('h3', {}, c.title, c.ended ? ' (ended)' : ''),
      h('p', { class: 'meta' }, c.kind === 'hourly'
        ? `Hourly, ${formatMoney(c.hourlyRateCents, c.currency)}/h${c.weeklyLimitHours == null ? '' : `, limit ${c.weeklyLimitHours} h/week`}`
        : 'Fixed price, milestones'),
      ledger ? h('dl', { class: 'stats' },
        h('div', {}, h('dt', {}, 'Pending'), h('dd', {}, formatMoney(ledger.freelancerPendingCents, ledger.currency))),
        h('div', {}, h('dt', {}, 'Available'), h('dd', {}, formatMoney(ledger.freelancerAvailableCents, ledger.currency)))) : null,
      h('p', { class: 'actions' },
        c.kind === 'hourly' ? h('a', { class: 'button', href: `/diary.html?contract=${encodeURIComponent(c.contractId)}` }, 'Work Diary') : null,
        h('a', { class: 'button secondary', href: `/contract.html?contract=${encodeURIComponent(c.contractId)}` },
          c.kind === 'hourly' ? 'Timesheets and earnings' : 'Milestones and earnings'))));
  });
}

await live.start();
await loadContracts();
await loadTracking();
