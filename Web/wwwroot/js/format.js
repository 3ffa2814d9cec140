// Times are stored and sent in UTC; people read them in their own time zone (the browser's), in their own locale.

export const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const time = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const hour = new Intl.DateTimeFormat(undefined, { hour: 'numeric' });
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const day = new Intl.DateTimeFormat(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
// Calendar dates of the API (a timesheet's days) are not instants: shown as written, never shifted by a zone.
const calendarDay = new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'short', timeZone: 'UTC' });

export const formatTime = (at) => time.format(new Date(at));
/** "15:04:09": when a live view was last updated. */
export const formatClock = (at) => clock.format(new Date(at));
export const formatHour = (at) => hour.format(new Date(at));
export const formatDateTime = (at) => (at ? dateTime.format(new Date(at)) : '—');
export const formatDay = (date) => day.format(date);
export const formatCalendarDay = (isoDate) => calendarDay.format(new Date(`${isoDate}T00:00:00Z`));
export const formatWeekday = (isoDate) => weekday.format(new Date(`${isoDate}T00:00:00Z`));

/** 135 → "2:15 h". */
export function formatMinutes(minutes) {
  const m = Math.max(0, Math.round(minutes || 0));
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')} h`;
}

export function formatMoney(cents, currency = 'USD') {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format((cents || 0) / 100);
}

/** "2026-11-16" of a Date in the viewer's zone. */
export function localDate(date = new Date()) {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** Local midnight of "2026-11-16", or null when it is not such a date. */
export function parseLocalDate(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || '');
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(date.getTime()) ? null : date;
}

export function addDays(date, days) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

/** ISO week "2026-W47" of an instant, in UTC (the default week zone of a node). */
export function isoWeek(at = new Date()) {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const dayOfWeek = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - dayOfWeek);
  const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((d - yearStart) / 86400000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** A "datetime-local" input's value (local wall time) as an ISO instant. */
export function localInputToIso(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Readable words for the API's kebab-case codes. */
const words = {
  logged: 'Logged',
  idle: 'Idle',
  deleted: 'Deleted',
  rejected: 'Rejected',
  'over-limit': 'Over limit',
  manual: 'Manual time',
  refunded: 'Refunded',
  open: 'Open',
  locked: 'Locked',
  'in-review': 'In review',
  disputed: 'Disputed',
  charged: 'Charged',
  'payment-failed': 'Payment failed',
  'paid-out': 'Paid out',
  pending: 'Pending',
  funded: 'Funded',
  submitted: 'Submitted',
  released: 'Released',
};

export function describe(code) {
  return words[code] || (code ? code.charAt(0).toUpperCase() + code.slice(1).replaceAll('-', ' ') : '');
}

/** Why a contract is not Work View ready, as a client can act on it. */
const reasons = {
  'no-default-payment-method': 'No default payment method: add a card or PayPal.',
  'balance-needs-backup': 'The default method is the account balance: add a card or PayPal as backup.',
  'payment-failed': 'A timesheet could not be charged: fix the payment method and pay it by hand.',
  'dispute-open': 'A dispute is open until an operator resolves it.',
};

export function describeReason(code) {
  return reasons[code] || describe(code);
}
