// The console's only script: confirmations before changes that switch what serves. Every page
// works without it. A period select does not apply itself: arrowing through a closed select
// fires change at each step in Chromium, which reloaded the page under a keyboard user (WCAG
// 3.2.2); 查看 applies it.
"use strict";
document.addEventListener("submit", function (e) {
  // the button's own confirmation first: one form may both look and delete (数据删除)
  var msg = (e.submitter && e.submitter.getAttribute("data-confirm")) || e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});
