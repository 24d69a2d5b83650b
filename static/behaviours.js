// Page behaviours declared by data attributes, so that no page needs inline event handlers (the
// Content-Security-Policy allows scripts from this site and nonce-bearing blocks only).
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
  document.addEventListener("change", function (event) {
    var box = event.target.closest("input[data-select-all]");
    if (box) {
      var boxes = document.querySelectorAll("input[name='" + box.getAttribute("data-select-all") + "']");
      for (var i = 0; i < boxes.length; i += 1) { boxes[i].checked = box.checked; }
    }
    var select = event.target.closest("select[data-navigate]");
    if (select) {
      var params = new URLSearchParams(window.location.search);
      params.set(select.getAttribute("data-navigate"), select.value);
      window.location.search = params.toString();
    }
  });
  var reload = document.querySelector("[data-reload-after]");
  if (reload) { setTimeout(function () { window.location.reload(); }, Number(reload.getAttribute("data-reload-after"))); }
})();
