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
