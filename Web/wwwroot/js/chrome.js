// What every signed-in page shares: the header's links for the user's role, sign-out, and the notices list.
import { h, $, clear } from './dom.js';
import { post, homeOf } from './api.js';
import { formatDateTime, formatTime, zone } from './format.js';

export function header(me) {
  const nav = $('#site-nav');
  if (!nav) return;
  const links = {
    client: [['/client.html', 'Contracts']],
    freelancer: [['/freelancer.html', 'My work']],
    operator: [['/operator.html', 'Disputes'], ['/cluster.html', 'Cluster']],
  }[me.role] || [];
  const here = location.pathname;
  clear(nav).append(
    h('ul', {},
      links.map(([href, text]) => h('li', {}, h('a', { href, 'aria-current': here === href ? 'page' : null }, text)))),
    h('p', { class: 'who' }, h('span', {}, me.displayName), h('span', { class: 'role' }, ` (${me.role})`)),
    h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out'),
  );
  const brand = $('#brand');
  if (brand) brand.setAttribute('href', homeOf(me.role));
  const zoneNote = $('#zone');
  if (zoneNote) zoneNote.textContent = `Times are shown in your time zone, ${zone}.`;
}

async function signOut() {
  try {
    await post('/api/auth/logout');
  } finally {
    location.assign('/');
  }
}

/**
 * The live notices of a page (rejections, limit warnings, review requests): the hub sends them to everyone watching
 * the contract, addressed to `freelancer`, `client` or `both`; a page shows the ones for its user's role.
 */
export class Notices {
  constructor(list, role, titleOf = () => null) {
    this.list = list;
    this.role = role;
    this.titleOf = titleOf;
    this.reasons = new Map(); // "contract|ordering" → reason of the rejection that event recorded
  }

  accept(payload) {
    return payload.to === 'both' || payload.to === this.role;
  }

  /** Every live message passes here: a rejection's reason is kept for the notification of the same event. */
  consider(method, payload) {
    if (method === 'screenshotRejected') {
      this.reasons.set(`${payload.contractId}|${payload.ordering}`, payload.reason);
      if (this.reasons.size > 100) this.reasons.delete(this.reasons.keys().next().value);
    }
    if (method === 'notification') this.add(payload);
  }

  /** The server words times in UTC; a rejection is told again with the segment's time in the viewer's zone. */
  text(payload) {
    const reason = this.reasons.get(`${payload.contractId}|${payload.ordering}`);
    if (payload.kind === 'screenshot-rejected' && payload.segmentStart && reason !== undefined) {
      return `Your screenshot of ${formatDateTime(payload.segmentStart)} was rejected: ${reason}`;
    }
    return payload.text;
  }

  add(payload) {
    if (!this.list || !this.accept(payload)) return;
    this.list.closest('[hidden]')?.removeAttribute('hidden');
    const title = this.titleOf(payload.contractId);
    const item = h('li', { class: `notice notice-${payload.kind || 'info'}`, dataset: { kind: payload.kind || '' } },
      h('time', { datetime: new Date().toISOString() }, formatTime(new Date())),
      ' ',
      title ? h('strong', {}, `${title}: `) : null,
      this.text(payload));
    this.list.prepend(item);
    while (this.list.children.length > 30) this.list.lastElementChild.remove();
    this.list.parentElement?.querySelector('.empty-note')?.remove();
  }
}
