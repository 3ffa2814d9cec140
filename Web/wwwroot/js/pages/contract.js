// One contract: Work View readiness, the client's weekly limit and payment method, the weekly timesheet (hours per
// day as a chart, status, review deadline, dispute, CSV, paying a failed week by hand), milestones and the ledger.
import { ApiError, get, param, post, put, signedIn } from '../api.js';
import { $, h, svg, clear, onSubmit, say } from '../dom.js';
import {
  describe, describeReason, formatCalendarDay, formatDateTime, formatMinutes, formatMoney, formatTime, formatWeekday, isoWeek,
} from '../format.js';
import { header, Notices } from '../chrome.js';
import { LiveWorkView, showLiveState } from '../live.js';

const me = await signedIn('client', 'freelancer');
header(me);
const contractId = param('contract');
const pageStatus = $('#page-status');
const path = `/api/contracts/${encodeURIComponent(contractId || '')}`;

let contract;
try {
  contract = await get(path);
} catch (error) {
  $('#title').textContent = 'Contract not found';
  say(pageStatus, error instanceof ApiError ? error.detail : String(error), true);
  throw error;
}
const isClient = me.userId === contract.clientId;
const hourly = contract.kind === 'hourly';
const money = (cents) => formatMoney(cents, contract.currency);
document.title = `${contract.title} · LiveTracker`;
$('#title').textContent = contract.title;

function showContract() {
  $('#terms').textContent = hourly
    ? `Hourly at ${money(contract.hourlyRateCents)}/h · ${contract.weeklyLimitHours == null ? 'no weekly limit' : `weekly limit ${contract.weeklyLimitHours} h`} · ${contract.segmentMinutes}-minute segments${contract.ended ? ' · ended' : ''}`
    : `Fixed price, paid by milestones in escrow${contract.ended ? ' · ended' : ''}`;
  const readiness = clear($('#readiness'));
  readiness.append(contract.workViewReady
    ? h('p', {}, h('span', { class: 'badge ready' }, 'Work View ready'), ' Time can be tracked and billed.')
    : h('div', {},
      h('p', {}, h('span', { class: 'badge not-ready' }, 'Not Work View ready')),
      h('ul', { class: 'reasons' }, contract.notReadyReasons.map((r) => h('li', {}, describeReason(r))))));
  const links = clear($('#diary-link-box'));
  if (hourly) links.append(h('a', { class: 'button', href: `/diary.html?contract=${encodeURIComponent(contractId)}` }, 'Open the Work Diary'));
}
showContract();

// ---- Client: weekly limit and payment method --------------------------------------------------------------------

if (isClient) {
  $('#payment-panel').hidden = false;
  onSubmit($('#payment'), async ({ kind, token, makeDefault, makeBackup }) => {
    await post(`${path}/payment-methods`, { kind, token: token.trim(), makeDefault: makeDefault === 'on', makeBackup: makeBackup === 'on' });
    contract = await get(path);
    showContract();
    return `Payment method added${makeDefault === 'on' ? ' as the default' : ''}.`;
  });
  // The sandbox's tokens name their kind; choosing a kind offers a matching token.
  $('#payment-kind').addEventListener('change', (event) => {
    const token = $('#payment-token');
    if (event.target.value === 'paypal' && !token.value.includes('paypal')) token.value = 'sandbox-paypal-ok';
    if (event.target.value === 'card' && !token.value.includes('card')) token.value = 'sandbox-card-ok';
  });
}

if (isClient && hourly) {
  $('#limit-panel').hidden = false;
  $('#limit-hours').value = contract.weeklyLimitHours ?? '';
  $('#limit-none').checked = contract.weeklyLimitHours == null;
  onSubmit($('#limit'), async ({ hours, none }) => {
    const value = none === 'on' || hours === '' ? null : Number(hours);
    contract = await put(`${path}/weekly-limit`, { hours: value });
    showContract();
    return value === null ? 'No weekly limit from this week on.' : `Weekly limit set to ${value} hours from this week on.`;
  });
}

// ---- Timesheet --------------------------------------------------------------------------------------------------

let week = param('week');

function weekChoices() {
  const weeks = new Set([...(contract.weeks || []), isoWeek(new Date())]);
  return [...weeks].sort().reverse();
}

function fillWeeks() {
  const select = clear($('#week'));
  const choices = weekChoices();
  if (!week || !choices.includes(week)) week = week && /^\d{4}-W\d{2}$/.test(week) ? week : (contract.weeks?.at(-1) || choices[0]);
  if (!choices.includes(week)) choices.unshift(week);
  for (const w of choices) select.append(h('option', { value: w, selected: w === week }, w));
}

async function loadTimesheet() {
  const box = $('#timesheet');
  let sheet;
  try {
    sheet = await get(`${path}/timesheets/${encodeURIComponent(week)}`);
  } catch (error) {
    clear(box).append(h('p', { class: 'error' }, error.detail || error.message));
    return;
  }
  const facts = h('dl', { class: 'facts' });
  const fact = (term, value) => { if (value !== null && value !== undefined && value !== '') facts.append(h('dt', {}, term), h('dd', {}, value)); };
  fact('Status', h('span', { class: `badge status-${sheet.status}`, id: 'timesheet-status' }, describe(sheet.status)));
  fact('Billable time', formatMinutes(sheet.billableMinutes));
  fact('Amount', money(sheet.amountCents));
  fact('Locks', formatDateTime(sheet.locksAt));
  fact('In review from', formatDateTime(sheet.submitsAt));
  fact('Review ends', formatDateTime(sheet.reviewEndsAt));
  if (sheet.chargedCents != null) fact('Charged', money(sheet.chargedCents));
  if (sheet.availableAt) fact('Earnings available', formatDateTime(sheet.availableAt));
  if (sheet.disputeId) fact('Dispute', sheet.disputeId);
  if (sheet.failureReasons?.length) fact('Payment problems', sheet.failureReasons.join('; '));

  const actions = h('p', { class: 'actions' },
    h('a', { class: 'button secondary', href: `${path}/timesheets/${encodeURIComponent(sheet.week)}.csv`, download: '' }, 'Download CSV'));
  const extra = h('div', { class: 'stack' });
  if (isClient && sheet.status === 'payment-failed') {
    const pay = h('button', { type: 'button', id: 'pay-now' }, `Pay ${money(sheet.amountCents)} now`);
    const output = h('p', { role: 'status' });
    pay.addEventListener('click', async () => {
      pay.disabled = true;
      try {
        await post(`${path}/timesheets/${encodeURIComponent(sheet.week)}/pay`);
        say(pageStatus, `Timesheet ${sheet.week} paid.`);
        await refresh();
      } catch (error) {
        say(output, error.detail || error.message, true);
      } finally {
        pay.disabled = false;
      }
    });
    actions.append(pay);
    extra.append(output);
  }
  if (isClient && sheet.status === 'in-review') extra.append(disputeForm(sheet));
  else if (isClient && ['open', 'locked'].includes(sheet.status)) {
    extra.append(h('p', { class: 'hint' }, `Hours can be disputed while the timesheet is in review, from ${formatDateTime(sheet.submitsAt)} until ${formatDateTime(sheet.reviewEndsAt)}.`));
  }
  clear(box).append(h('div', { class: 'columns' }, h('div', {}, facts, actions), chart(sheet)), extra);
}

/** Hours per day as plain SVG bars, with the same numbers in a table for screen readers. */
function chart(sheet) {
  const width = 700;
  const height = 250;
  const left = 44;
  const bottom = 44;
  const top = 24;
  const plotHeight = height - top - bottom;
  const slot = (width - left - 10) / 7;
  const maxHours = Math.max(8, Math.ceil(Math.max(...sheet.days.map((d) => d.billableMinutes)) / 60));
  const y = (minutes) => top + plotHeight - (minutes / 60 / maxHours) * plotHeight;
  const step = maxHours <= 8 ? 2 : maxHours <= 16 ? 4 : 6;
  const grid = [];
  for (let hours = 0; hours <= maxHours; hours += step) {
    grid.push(svg('line', { class: hours === 0 ? 'axis' : 'grid', x1: left, x2: width - 10, y1: y(hours * 60), y2: y(hours * 60) }));
    grid.push(svg('text', { class: 'small', x: left - 8, y: y(hours * 60) + 4, 'text-anchor': 'end' }, `${hours} h`));
  }
  const bars = sheet.days.map((day, i) => {
    const x = left + i * slot + slot * 0.2;
    const barWidth = slot * 0.6;
    const barTop = y(day.billableMinutes);
    return svg('g', {},
      svg('rect', { class: day.billableMinutes ? 'bar' : 'bar zero', x, y: Math.min(barTop, top + plotHeight - 2), width: barWidth, height: Math.max(2, top + plotHeight - barTop), rx: 3 }),
      day.billableMinutes ? svg('text', { x: x + barWidth / 2, y: barTop - 6, 'text-anchor': 'middle' }, formatMinutes(day.billableMinutes).replace(' h', '')) : null,
      svg('text', { x: x + barWidth / 2, y: height - bottom + 18, 'text-anchor': 'middle' }, formatWeekday(day.date)),
      svg('text', { class: 'small', x: x + barWidth / 2, y: height - bottom + 34, 'text-anchor': 'middle' }, day.date.slice(5)));
  });
  const summary = `Billable hours per day of ${sheet.week}: ${sheet.days.map((d) => `${formatWeekday(d.date)} ${formatMinutes(d.billableMinutes)}`).join(', ')}`;
  return h('figure', { class: 'chart-figure' },
    svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary }, grid, bars),
    h('figcaption', { class: 'hint' }, `Billable hours per day, ${sheet.week} (total ${formatMinutes(sheet.billableMinutes)})`),
    h('table', { class: 'visually-hidden' },
      h('caption', {}, `Hours per day, ${sheet.week}`),
      h('thead', {}, h('tr', {}, h('th', {}, 'Day'), h('th', {}, 'Billable'))),
      h('tbody', {}, sheet.days.map((d) => h('tr', {}, h('td', {}, formatCalendarDay(d.date)), h('td', {}, formatMinutes(d.billableMinutes)))))));
}

/** Dispute chosen segments of a week in review: the billable segments of its days, to tick, and a reason. */
function disputeForm(sheet) {
  const picks = h('div', { class: 'segment-picks' }, h('p', {}, 'Loading the week’s segments…'));
  const form = h('form', { id: 'dispute', novalidate: true },
    h('p', { class: 'hint' }, `Until ${formatDateTime(sheet.reviewEndsAt)}. A dispute freezes payments on this contract until an operator decides.`),
    h('fieldset', {}, h('legend', {}, 'Segments you dispute'), picks),
    h('div', { class: 'field' },
      h('label', { for: 'dispute-reason' }, 'Reason'),
      h('textarea', { id: 'dispute-reason', name: 'reason', required: true, maxlength: '5000' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger' }, 'Open dispute')),
    h('p', { role: 'status' }));
  onSubmit(form, async ({ reason }) => {
    const segmentStarts = [...form.querySelectorAll('input[name=segment]:checked')].map((c) => c.value);
    if (segmentStarts.length === 0) throw new Error('Tick the segments you dispute.');
    if (!reason.trim()) throw new Error('Say why you dispute them.');
    const opened = await post(`${path}/timesheets/${encodeURIComponent(sheet.week)}/disputes`, { segmentStarts, reason: reason.trim() });
    say(pageStatus, `Dispute ${opened.disputeId} opened for ${segmentStarts.length} segment(s).`);
    await refresh();
  });
  Promise.all(sheet.days.map((d) => get(`${path}/diary?date=${d.date}`))).then((days) => {
    clear(picks);
    let any = false;
    for (const day of days) {
      const billable = day.segments.filter((s) => s.billable);
      if (billable.length === 0) continue;
      any = true;
      picks.append(h('h4', {}, formatCalendarDay(day.date)),
        billable.map((s) => h('label', { class: 'check' },
          h('input', { type: 'checkbox', name: 'segment', value: s.segmentStart }),
          `${formatTime(s.segmentStart)} · ${describe(s.status)}${s.memo ? ` · ${s.memo}` : ''}`)));
    }
    if (!any) picks.append(h('p', {}, 'No billable segments this week.'));
  }).catch((error) => { clear(picks).append(h('p', { class: 'error' }, error.detail || error.message)); });
  return h('details', { open: true }, h('summary', {}, 'Dispute hours of this week'), form);
}

if (hourly) {
  $('#timesheet-panel').hidden = false;
  fillWeeks();
  $('#week-pick').addEventListener('submit', (event) => {
    event.preventDefault();
    week = $('#week').value;
    history.replaceState(null, '', `?contract=${encodeURIComponent(contractId)}&week=${encodeURIComponent(week)}`);
    loadTimesheet();
  });
}

// ---- Milestones -------------------------------------------------------------------------------------------------

async function loadMilestones() {
  const milestones = await get(`${path}/milestones`);
  const box = clear($('#milestones'));
  if (milestones.length === 0) {
    box.append(h('p', { class: 'empty-note' }, isClient ? 'No milestones yet: add the first one below.' : 'No milestones yet.'));
    return;
  }
  box.append(h('table', {},
    h('thead', {}, h('tr', {},
      h('th', {}, 'Milestone'), h('th', { class: 'num' }, 'Amount'), h('th', {}, 'Status'), h('th', { class: 'num' }, 'In escrow'),
      h('th', { class: 'num' }, 'Released'), h('th', {}, 'Actions'))),
    h('tbody', {}, milestones.map((m) => h('tr', { dataset: { milestoneId: m.milestoneId } },
      h('td', {}, h('strong', {}, m.title), m.dueDate ? h('div', { class: 'hint' }, `Due ${formatCalendarDay(m.dueDate)}`) : null,
        m.lastMessage ? h('div', { class: 'hint' }, `“${m.lastMessage}”`) : null,
        m.failureReasons?.length ? h('div', { class: 'error' }, m.failureReasons.join('; ')) : null),
      h('td', { class: 'num' }, money(m.amountCents)),
      h('td', {}, h('span', { class: 'badge' }, describe(m.status)), m.disputeId ? h('div', { class: 'hint' }, m.disputeId) : null),
      h('td', { class: 'num' }, money(m.escrowCents)),
      h('td', { class: 'num' }, money(m.releasedCents)),
      h('td', {}, milestoneActions(m)))))));
}

function milestoneActions(m) {
  const box = h('div', { class: 'stack' });
  const act = (verb, label, style = '') => {
    const button = h('button', { type: 'button', class: style }, label);
    button.addEventListener('click', () => runMilestone(button, m, verb));
    return button;
  };
  const withText = (verb, label, field, fieldLabel, style = '') => {
    const form = h('form', { novalidate: true },
      h('div', { class: 'field' }, h('label', { for: `${verb}-${m.milestoneId}` }, fieldLabel),
        h('textarea', { id: `${verb}-${m.milestoneId}`, name: field, required: true, maxlength: '5000' })),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: style }, label)),
      h('p', { role: 'status' }));
    onSubmit(form, async (values) => {
      if (!values[field].trim()) throw new Error(`${fieldLabel} is needed.`);
      await post(`/api/milestones/${encodeURIComponent(m.milestoneId)}/${verb}`, { [field]: values[field].trim() });
      say(pageStatus, `${m.title}: ${label.toLowerCase()} done.`);
      await refresh();
    });
    return h('details', {}, h('summary', {}, label), form);
  };
  if (isClient) {
    if (m.status === 'pending') box.append(act('fund', `Fund ${money(m.amountCents)}`));
    if (['funded', 'submitted'].includes(m.status)) box.append(act('approve', 'Approve and release'));
    if (m.status === 'submitted') box.append(withText('request-changes', 'Request changes', 'message', 'What should change'));
    if (['funded', 'submitted'].includes(m.status)) box.append(withText('dispute', 'Dispute', 'reason', 'Reason', 'danger'));
  } else if (m.status === 'funded') {
    box.append(withText('submit', 'Submit work', 'message', 'What you deliver'));
  }
  return box;
}

async function runMilestone(button, m, verb) {
  button.disabled = true;
  try {
    await post(`/api/milestones/${encodeURIComponent(m.milestoneId)}/${verb}`);
    say(pageStatus, `${m.title}: ${verb === 'fund' ? 'funded into escrow' : 'approved; the escrow is released'}.`);
    await refresh();
  } catch (error) {
    say(pageStatus, `${m.title}: ${error.detail || error.message}`, true);
  } finally {
    button.disabled = false;
  }
}

if (!hourly) {
  $('#milestones-panel').hidden = false;
  if (isClient) {
    $('#milestone-add-box').hidden = false;
    onSubmit($('#milestone-add'), async ({ title, amount, dueDate }) => {
      await post(`${path}/milestones`, { title: title.trim(), amountCents: Math.round(Number(amount) * 100), dueDate: dueDate || null });
      $('#milestone-add').reset();
      await loadMilestones();
      return 'Milestone added; fund it to put the money in escrow.';
    });
  }
}

// ---- Ledger -----------------------------------------------------------------------------------------------------

async function loadLedger() {
  const ledger = await get(`${path}/ledger`);
  const box = clear($('#ledger'));
  box.append(h('dl', { class: 'stats' },
    h('div', {}, h('dt', {}, 'Freelancer: pending'), h('dd', { id: 'pending' }, formatMoney(ledger.freelancerPendingCents, ledger.currency))),
    h('div', {}, h('dt', {}, 'Freelancer: available'), h('dd', { id: 'available' }, formatMoney(ledger.freelancerAvailableCents, ledger.currency))),
    h('div', {}, h('dt', {}, 'Client paid'), h('dd', {}, formatMoney(ledger.clientPaidCents, ledger.currency))),
    h('div', {}, h('dt', {}, 'In escrow'), h('dd', {}, formatMoney(ledger.escrowCents, ledger.currency)))));
  if (ledger.lines.length === 0) {
    box.append(h('p', { class: 'empty-note' }, 'No money has moved yet.'));
    return;
  }
  box.append(h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Account'), h('th', {}, 'What'), h('th', {}, 'Reference'), h('th', { class: 'num' }, 'Amount'))),
    h('tbody', {}, [...ledger.lines].reverse().map((l) => h('tr', {},
      h('td', {}, formatDateTime(l.at)), h('td', {}, describe(l.party)), h('td', {}, describe(l.kind)), h('td', {}, l.reference),
      h('td', { class: 'num' }, formatMoney(l.amountCents, ledger.currency))))))));
}

// ---- Live and refresh -------------------------------------------------------------------------------------------

async function refresh() {
  try {
    contract = await get(path);
    showContract();
    if (hourly) {
      fillWeeks();
      await loadTimesheet();
    } else {
      await loadMilestones();
    }
    await loadLedger();
  } catch (error) {
    say(pageStatus, error.detail || error.message, true);
  }
}

const notices = new Notices($('#notices'), isClient ? 'client' : 'freelancer');
let timer = null;
const live = new LiveWorkView((method, payload) => {
  notices.consider(method, payload);
  // Money and limits move with the cycle; activity alone changes nothing on this page until the day is read again.
  if (['timesheetChanged', 'limitApproaching', 'screenshotRejected', 'resync'].includes(method)
    || (method === 'segmentUpdated' && payload.change !== 'activity')) {
    clearTimeout(timer);
    timer = setTimeout(refresh, 500);
  }
}, showLiveState($('#live-state')));
await live.watch(contractId);
await live.start();
await refresh();
