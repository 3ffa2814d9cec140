// The client's home: contracts with their Work View readiness (and why not), and the form to hire.
import { get, post, signedIn } from '../api.js';
import { $, h, clear, onSubmit } from '../dom.js';
import { describeReason, formatMoney } from '../format.js';
import { header, Notices } from '../chrome.js';
import { LiveWorkView, showLiveState } from '../live.js';

const me = await signedIn('client');
header(me);

let contracts = [];
const titles = new Map();
const notices = new Notices($('#notices'), 'client', (id) => titles.get(id));
let reloadTimer = null;

const live = new LiveWorkView((method, payload) => {
  notices.consider(method, payload);
  // Readiness changes with the money cycle (a failed charge, a dispute): read the list again.
  if (method === 'timesheetChanged' || method === 'resync') {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(load, 400);
  }
}, showLiveState($('#live-state')));

async function load() {
  contracts = await get('/api/contracts');
  const list = clear($('#contracts'));
  list.removeAttribute('aria-busy');
  if (contracts.length === 0) {
    list.append(h('li', { class: 'empty-note' }, 'No contracts yet: hire a freelancer with the form.'));
  }
  for (const c of contracts) {
    titles.set(c.contractId, c.title);
    await live.watch(c.contractId);
    list.append(card(c));
  }
}

function card(c) {
  const terms = c.kind === 'hourly'
    ? `Hourly, ${formatMoney(c.hourlyRateCents, c.currency)}/h · ${c.weeklyLimitHours == null ? 'no weekly limit' : `limit ${c.weeklyLimitHours} h/week`}`
    : 'Fixed price, milestones';
  return h('li', { class: 'card', dataset: { contractId: c.contractId } },
    h('h3', {}, c.title, c.ended ? h('span', { class: 'badge' }, ' Ended') : null),
    h('p', { class: 'meta' }, terms),
    h('p', {},
      c.workViewReady
        ? h('span', { class: 'badge ready' }, 'Work View ready')
        : h('span', { class: 'badge not-ready' }, 'Not Work View ready')),
    c.workViewReady ? null : h('ul', { class: 'reasons' }, c.notReadyReasons.map((r) => h('li', {}, describeReason(r)))),
    h('p', { class: 'actions' },
      c.kind === 'hourly' ? h('a', { class: 'button', href: `/diary.html?contract=${encodeURIComponent(c.contractId)}` }, 'Work Diary') : null,
      h('a', { class: 'button secondary', href: `/contract.html?contract=${encodeURIComponent(c.contractId)}` },
        c.kind === 'hourly' ? 'Limit, payment, timesheets' : 'Payment and milestones')));
}

// Rate and limit belong to hourly contracts only.
for (const radio of document.querySelectorAll('#create input[name=kind]')) {
  radio.addEventListener('change', () => { $('#hourly-terms').hidden = $('#create input[name=kind]:checked').value !== 'hourly'; });
}

onSubmit($('#create'), async (values) => {
  const body = {
    freelancerEmail: values.freelancerEmail.trim(),
    title: values.title.trim(),
    kind: values.kind,
    currency: 'USD',
  };
  if (values.kind === 'hourly') {
    body.hourlyRateCents = Math.round(Number(values.rate || 0) * 100);
    if (values.limit !== '') body.weeklyLimitHours = Number(values.limit);
  }
  const created = await post('/api/contracts', body);
  $('#create').reset();
  $('#hourly-terms').hidden = false;
  await load();
  document.querySelector(`[data-contract-id="${CSS.escape(created.contractId)}"] a`)?.focus();
  return 'Contract created. Add a payment method on its page to make it Work View ready.';
});

await live.start();
await load();
