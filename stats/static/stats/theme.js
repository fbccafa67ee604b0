// Follow the reader's light/dark preference (Bootstrap 5.3 colour modes).
(function () {
  "use strict";
  var query = window.matchMedia("(prefers-color-scheme: dark)");
  function apply() {
    document.documentElement.setAttribute("data-bs-theme", query.matches ? "dark" : "light");
  }
  apply();
  if (query.addEventListener) {
    query.addEventListener("change", function () {
      apply();
      document.dispatchEvent(new Event("stats:theme"));
    });
  }
})();
