// The library: badges of assets still queued or processing follow their progress live, and a
// card whose preview becomes ready gets its poster on the next visit (the page is not reloaded
// under the person's cursor). Review sets: `review-sets.js`.

import { watch, paintBadge } from './status.js';
import './review-sets.js';

var live = document.querySelectorAll('[data-asset-id] [data-status][data-state="queued"], [data-asset-id] [data-status][data-state="processing"]');
// A handful of streams at most: the rest of the page is static and a reload refreshes it.
Array.prototype.slice.call(live, 0, 12).forEach(function (badge) {
  var id = badge.closest('[data-asset-id]').dataset.assetId;
  watch(id, function (s) { paintBadge(badge, s); });
});

// An order left at the page's default is not sent, so the default follows the filters (a review
// set lists in its own order, a search newest first).
var toolbar = document.querySelector('form.toolbar');
var sort = document.getElementById('sort');
if (toolbar && sort && 'implicit' in sort.dataset) {
  var initial = sort.value;
  toolbar.addEventListener('submit', function () { if (sort.value === initial) sort.disabled = true; });
  // Back to this page from the next one: the select is sent again if changed.
  window.addEventListener('pageshow', function () { sort.disabled = false; });
}
