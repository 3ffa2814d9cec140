// Sign in or register; a signed-in visitor goes straight on (to ?next= when it is a path on this site).
import { api, homeOf, param } from '../api.js';
import { $, onSubmit } from '../dom.js';

function destination(role) {
  const next = param('next');
  // Only a path on this site: "//host" or "https://..." would send the user elsewhere after sign-in.
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : homeOf(role);
}

async function signIn(email, password) {
  const session = await api('POST', '/api/auth/login', { email, password });
  location.assign(destination(session.role));
  return 'Signed in.';
}

onSubmit($('#signin'), ({ email, password }) => signIn(email.trim(), password));

onSubmit($('#register'), async ({ displayName, email, password, role }) => {
  await api('POST', '/api/auth/register', { displayName: displayName.trim(), email: email.trim(), password, role });
  return signIn(email.trim(), password);
});

// Already signed in (a valid cookie): no need to see this page.
fetch('/api/me', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
  .then((response) => (response.ok ? response.json() : null))
  .then((me) => { if (me) location.replace(destination(me.role)); })
  .catch(() => {});

