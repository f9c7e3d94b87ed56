// The console's only script: confirmations before changes that switch what serves, and period
// selects that apply themselves. Every page works without it.
"use strict";
document.addEventListener("submit", function (e) {
  // the button's own confirmation first: one form may both look and delete (数据删除)
  var msg = (e.submitter && e.submitter.getAttribute("data-confirm")) || e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});
document.addEventListener("change", function (e) {
  if (e.target.hasAttribute("data-autosubmit") && e.target.form) {
    e.target.form.submit();
  }
});
