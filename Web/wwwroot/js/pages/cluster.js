// The operators' live view of the cluster: GET /api/cluster read every 2 seconds (one request at a time, none while
// the tab is hidden), drawn in place so a focused button or an open confirmation survives each update; a member can
// be asked to leave gracefully (POST /api/cluster/members/{host:port}/leave).
import { get, post, signedIn } from '../api.js';
import { $, h, say } from '../dom.js';
import { describe, formatClock, formatDateTime } from '../format.js';
import { header } from '../chrome.js';

const me = await signedIn('operator');
header(me);

const PollMs = 2000;
/** Statuses a member can still be asked to leave from. */
const leavable = new Set(['joining', 'weakly-up', 'up']);
const singletonNames = { 'deadline-keeper': 'Deadline keeper', 'shard-coordinators': 'Shard coordinators' };

/** "akka.tcp://livetracker@10.0.0.5:4053" → "10.0.0.5:4053": what an operator reads, and what the leave route takes. */
const hostPort = (address) => address.slice(address.lastIndexOf('@') + 1);

const leaveStatus = $('#leave-status');
/** Members this page asked to leave (the 202 came): marked so until they are gone. */
const leaveRequested = new Set();
/** Rows of the members table by address; each keeps its action cell, so focus and an open confirmation survive updates. */
const memberRows = new Map();
let lastUpdate = null;

/** replaceChildren without the nulls a condition leaves (it would write them as text). */
function fill(element, ...children) {
  element.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false && c !== ''));
}

function badge(text, kind) {
  return h('span', { class: kind ? `badge ${kind}` : 'badge' }, text);
}

function statusKind(status) {
  if (status === 'up') return 'ready';
  if (status === 'down' || status === 'removed') return 'not-ready';
  return 'changing';
}

function memberRow(member) {
  let entry = memberRows.get(member.address);
  if (entry) return entry;
  const cells = {
    address: h('th', { scope: 'row' }),
    status: h('td', {}),
    reachable: h('td', {}),
    upSince: h('td', {}),
    runs: h('td', {}),
    shards: h('td', { class: 'num' }),
    entities: h('td', { class: 'num' }),
    action: h('td', {}),
  };
  const row = h('tr', { dataset: { address: member.address } }, Object.values(cells));
  entry = { row, cells, member };
  entry.actions = leaveActions(entry);
  cells.action.append(entry.actions.box);
  memberRows.set(member.address, entry);
  return entry;
}

/** Leave… then "Yes, … leaves" or Cancel: a member's graceful leave hands its shards over and stops its process. */
function leaveActions(entry) {
  const name = () => hostPort(entry.member.address);
  const ask = h('button', { type: 'button', class: 'secondary' });
  const confirm = h('button', { type: 'button', class: 'danger', hidden: true });
  const cancel = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Cancel');
  const setLabels = () => {
    ask.textContent = `Leave ${name()}…`;
    confirm.textContent = `Yes, ${name()} leaves`;
  };
  const closeConfirmation = () => {
    confirm.hidden = true;
    cancel.hidden = true;
    ask.hidden = false;
  };
  ask.addEventListener('click', () => {
    ask.hidden = true;
    confirm.hidden = false;
    cancel.hidden = false;
    const self = entry.member.self
      ? ' It is the node that answered this page: opened on it directly, the page stops updating when it has left.'
      : '';
    say(leaveStatus, `Should ${name()} leave the cluster? It hands its shards to the other members, then its process stops.${self}`);
    confirm.focus();
  });
  cancel.addEventListener('click', () => {
    closeConfirmation();
    say(leaveStatus, '');
    ask.focus();
  });
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    cancel.disabled = true;
    try {
      await post(`/api/cluster/members/${encodeURIComponent(name())}/leave`);
      leaveRequested.add(entry.member.address);
      closeConfirmation();
      say(leaveStatus, `${name()} was asked to leave: it hands its shards over, then stops. The table shows it leaving, then gone.`);
      pollSoon();
    } catch (error) {
      closeConfirmation();
      say(leaveStatus, `${name()} could not be asked to leave: ${reasonOf(error)}`, true);
    } finally {
      confirm.disabled = false;
      cancel.disabled = false;
    }
    fillMember(entry);
  });
  setLabels();
  return { box: h('div', { class: 'actions' }, ask, confirm, cancel), ask, confirm, cancel, setLabels, closeConfirmation };
}

function fillMember(entry) {
  const { member, cells, actions } = entry;
  const requested = leaveRequested.has(member.address);
  fill(cells.address, h('code', { title: member.address }, hostPort(member.address)));
  fill(cells.status,
    badge(describe(member.status), statusKind(member.status)),
    requested && member.status === 'up' ? [' ', badge('Leave requested', 'changing')] : null);
  fill(cells.reachable, member.reachable ? 'Yes' : badge('Unreachable', 'not-ready'));
  fill(cells.upSince, member.upSince ? h('time', { datetime: member.upSince }, formatDateTime(member.upSince)) : '—');
  const marks = [
    member.self ? badge('This node', 'self') : null,
    member.oldest ? badge('Oldest: singletons', 'oldest') : null,
    member.leader ? badge('Leader', 'leader') : null,
  ].filter(Boolean);
  fill(cells.runs,
    ...marks.flatMap((m, i) => (i ? [' ', m] : [m])),
    member.roles.length ? h('span', { class: 'hint' }, `${marks.length ? ' · ' : ''}roles: ${member.roles.join(', ')}`) : '',
  );
  cells.shards.textContent = String(member.shards);
  cells.entities.textContent = String(member.entities);
  entry.row.classList.toggle('unreachable', !member.reachable);
  actions.setLabels();
  const canLeave = leavable.has(member.status) && !requested;
  if (!canLeave) actions.closeConfirmation();
  actions.box.hidden = !canLeave;
}

function renderMembers(status) {
  const body = $('#members tbody');
  const present = new Set();
  status.members.forEach((member, index) => {
    present.add(member.address);
    const shown = { ...member, leader: member.address === status.leader };
    const entry = memberRow(shown);
    entry.member = shown;
    fillMember(entry);
    // Moved only when out of place: moving a row would take the focus from its buttons.
    if (body.children[index] !== entry.row) body.insertBefore(entry.row, body.children[index] || null);
  });
  for (const [address, entry] of memberRows) {
    if (present.has(address)) continue;
    entry.row.remove();
    memberRows.delete(address);
    if (leaveRequested.delete(address)) say(leaveStatus, `${hostPort(address)} left the cluster.`);
  }
  $('#members').hidden = status.members.length === 0;
  $('#members-empty').hidden = status.members.length !== 0;
}

const count = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function renderRegions(status) {
  const body = $('#regions tbody');
  body.replaceChildren(...status.regions.map((region) => h('tr', { dataset: { type: region.type } },
    h('th', { scope: 'row' }, describe(region.type)),
    h('td', { class: 'num' }, region.shards),
    h('td', { class: 'num' }, region.entities),
    h('td', {}, h('ul', { class: 'per-node' }, region.nodes.map((node) => h('li', { dataset: { address: node.address } },
      h('code', {}, hostPort(node.address)), `: ${count(node.shards, 'shard')}, ${count(node.entities, 'entity', 'entities')}`)))))));
  $('#regions').hidden = status.regions.length === 0;
  $('#regions-empty').hidden = status.regions.length !== 0;
}

function renderSingletons(status) {
  $('#singletons').replaceChildren(...Object.entries(status.singletons).flatMap(([name, address]) => [
    h('dt', {}, singletonNames[name] || describe(name)),
    h('dd', { dataset: { singleton: name } }, address ? h('code', { title: address }, hostPort(address)) : 'Not running: no member is Up'),
  ]));
}

function render(status) {
  const self = status.members.find((m) => m.self);
  $('#seen-from').textContent = `The cluster as node ${status.nodeId} (${hostPort(status.self)}) sees it, read every 2 seconds. `
    + `Each entity type has ${status.shardCount} shards.`;
  $('#count-members').textContent = String(status.members.length);
  $('#count-unreachable').textContent = String(status.members.filter((m) => !m.reachable).length);
  $('#count-shards').textContent = String(status.regions.reduce((sum, r) => sum + r.shards, 0));
  $('#count-entities').textContent = String(status.regions.reduce((sum, r) => sum + r.entities, 0));
  $('#summary').hidden = false;
  renderMembers(status);
  renderRegions(status);
  renderSingletons(status);
  if (self && !leavable.has(self.status)) {
    showProblem(`This node is ${describe(self.status).toLowerCase()}: open the page on another node to keep watching the cluster.`);
  }
}

/** Why a request failed, as a sentence. */
function reasonOf(error) {
  if (error instanceof TypeError) return 'the node serving this page does not answer.';
  const text = String(error.detail || error.message || error);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function showProblem(message) {
  const line = $('#load-error');
  // Set only when it changes: the line is an alert, read out each time its text changes.
  if (line.textContent !== message) line.textContent = message;
  line.hidden = false;
}

function showUpdated(ok) {
  const line = $('#updated');
  line.dataset.state = ok ? 'live' : 'offline';
  fill(line, lastUpdate
    ? [ok ? 'Updated ' : 'Last updated ', h('time', { datetime: lastUpdate.toISOString() }, formatClock(lastUpdate))]
    : 'Not loaded');
}

// One request at a time: the next is scheduled only when the last one has answered (or failed).
let timer = null;
let inFlight = false;

async function poll() {
  timer = null;
  if (document.hidden) return; // visibilitychange starts again
  inFlight = true;
  let status;
  try {
    status = await get('/api/cluster');
  } catch (error) {
    inFlight = false;
    if (error.status === 401 || error.status === 403) return; // on the way to sign-in or to the user's own page
    showProblem(lastUpdate
      ? `The cluster could not be read: ${reasonOf(error)} The tables show it as it was at ${formatClock(lastUpdate)}; trying again every 2 seconds.`
      : `The cluster could not be read: ${reasonOf(error)} Trying again every 2 seconds.`);
    showUpdated(false);
    schedule(PollMs);
    return;
  }
  inFlight = false;
  // Scheduled before drawing: a fault in drawing is a script error of its own, not a failed read, and reading goes on.
  schedule(PollMs);
  lastUpdate = new Date();
  $('#load-error').hidden = true;
  render(status);
  showUpdated(true);
}

function schedule(delay) {
  if (timer === null && !inFlight && !document.hidden) timer = setTimeout(poll, delay);
}

/** After a leave: read now rather than in up to 2 seconds (a request under way is followed by the usual one). */
function pollSoon() {
  if (inFlight) return;
  clearTimeout(timer);
  timer = null;
  schedule(0);
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden) {
    clearTimeout(timer);
    timer = null;
  } else {
    schedule(0);
  }
});

await poll();
