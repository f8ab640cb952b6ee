// Shows the api's dependency health; refreshes every five seconds.
async function refresh() {
  const error = document.getElementById('status-error');
  try {
    const res = await fetch('/healthz', { cache: 'no-store' });
    const report = await res.json();
    for (const cell of document.querySelectorAll('[data-service]')) {
      const state = report[cell.dataset.service] ?? 'unknown';
      cell.textContent = state;
      cell.className = state === 'ok' ? 'ok' : 'failing';
    }
    error.hidden = true;
  } catch {
    error.hidden = false;
  }
}
refresh();
setInterval(refresh, 5000);
