// The operator resolves a dispute by its id: a week's refunded segments, or a milestone's released share.
import { get, post, signedIn } from '../api.js';
import { $, clear, h, onSubmit } from '../dom.js';
import { formatDateTime, formatMoney } from '../format.js';
import { header } from '../chrome.js';

const me = await signedIn('operator');
header(me);

function showKind() {
  const milestone = $('input[name=kind]:checked').value === 'milestone';
  $('#refund-field').hidden = milestone;
  $('#release-field').hidden = !milestone;
}
for (const radio of document.querySelectorAll('input[name=kind]')) radio.addEventListener('change', showKind);
showKind();

// The open disputes of every contract; choosing one fills in the decision form.
async function showOpen() {
  const open = await get('/api/disputes');
  const body = $('#open-disputes tbody');
  clear(body);
  for (const dispute of open) {
    const choose = h('button', { type: 'button', class: 'secondary' }, 'Decide');
    choose.addEventListener('click', () => {
      $('#dispute-id').value = dispute.disputeId;
      $(`input[name=kind][value=${dispute.kind}]`).checked = true;
      showKind();
      $('#dispute-id').focus();
    });
    body.append(h('tr', {},
      h('td', {}, h('code', {}, dispute.disputeId)),
      h('td', {}, `${dispute.kind} ${dispute.subject}`),
      h('td', {}, dispute.reason),
      h('td', {}, formatDateTime(dispute.openedAt)),
      h('td', {}, choose)));
  }

  $('#open-disputes').hidden = open.length === 0;
  $('#open-empty').hidden = open.length !== 0;
}
await showOpen();

onSubmit($('#resolve'), async ({ disputeId, kind, refunds, release, note }) => {
  const id = disputeId.trim();
  if (!id) throw new Error('Enter the dispute id.');
  const body = { note: note.trim() };
  if (kind === 'milestone') {
    if (release === '') throw new Error('Enter the amount released to the freelancer (0 refunds everything).');
    body.releaseCents = Math.round(Number(release) * 100);
  } else {
    const lines = refunds.split(/\s+/).map((s) => s.trim()).filter(Boolean);
    const bad = lines.find((s) => Number.isNaN(Date.parse(s)));
    if (bad) throw new Error(`"${bad}" is not a time like 2026-11-16T09:20:00Z.`);
    body.refundSegmentStarts = lines.map((s) => new Date(s).toISOString());
  }
  await post(`/api/disputes/${encodeURIComponent(id)}/resolve`, body);
  $('#resolve').reset();
  showKind();
  await showOpen();
  return kind === 'milestone'
    ? `Dispute ${id} resolved: ${formatMoney(body.releaseCents)} released to the freelancer.`
    : `Dispute ${id} resolved: ${body.refundSegmentStarts.length} segment(s) refunded, the rest charged.`;
});
