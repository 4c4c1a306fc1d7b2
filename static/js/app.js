// Behaviour every page shares: dismissible notices, and a notice shown once does not come back
// on reload or in a shared link. Page scripts import what they need from api.js and format.js.

if (/[?&]notice=/.test(location.search) && window.history.replaceState) {
  const u = new URL(location.href);
  u.searchParams.delete('notice');
  history.replaceState(history.state, '', u.pathname + u.search + u.hash);
}

document.addEventListener('click', function (ev) {
  const btn = ev.target.closest('[data-dismiss]');
  if (btn) {
    const box = btn.closest('.flash');
    if (box) box.remove();
  }
});
