// Page behaviours declared by data attributes, so that no page needs inline event handlers (the
// Content-Security-Policy allows scripts from this site and nonce-bearing blocks only).
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
  // A button with big effects: <button data-confirm-count="将驳回所选的 {n} 条记录…" data-count-of="record_ids"
  // data-requires="#note" data-requires-message="…">: says how many it touches and asks first; nothing
  // chosen, or a required reason left empty, is said at once instead.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm-count]");
    if (!button) { return; }
    var count = button.getAttribute("data-count-of"), n = null;
    if (count) {
      n = document.querySelectorAll("input[name='" + count + "']:checked").length;
      if (n === 0) { event.preventDefault(); window.alert("请先勾选记录"); return; }
    }
    var needed = button.getAttribute("data-requires");
    if (needed && !document.querySelector(needed).value.trim()) {
      event.preventDefault();
      window.alert(button.getAttribute("data-requires-message"));
      document.querySelector(needed).focus();
      return;
    }
    var text = button.getAttribute("data-confirm-count");
    if (!window.confirm(n === null ? text : text.replace("{n}", String(n)))) { event.preventDefault(); }
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
  // A "get a code" button: <button data-send-code="URL" data-phone="#phone" data-status="#status"
  // data-csrf="TOKEN">; posts {phone} as JSON and counts down to the next allowed send.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-send-code]");
    if (!button) { return; }
    var status = document.querySelector(button.getAttribute("data-status"));
    var phone = document.querySelector(button.getAttribute("data-phone")).value.trim();
    if (!/^1[3-9]\d{9}$/.test(phone)) { status.textContent = "请先填写正确的11位手机号"; return; }
    button.disabled = true;
    fetch(button.getAttribute("data-send-code"), {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": button.getAttribute("data-csrf")},
      body: JSON.stringify({phone: phone})})
      .then(function (r) { return r.json().then(function (d) { return {ok: r.ok, d: d}; }); })
      .then(function (a) {
        status.textContent = a.ok ? "验证码已发送，10分钟内有效" : a.d.message;
        var wait = a.ok ? a.d.resend_after : 5;
        var label = button.textContent;
        var timer = setInterval(function () {
          wait -= 1; button.textContent = wait > 0 ? wait + "秒后重发" : label;
          if (wait <= 0) { clearInterval(timer); button.disabled = false; }
        }, 1000);
      })
      .catch(function () { status.textContent = "网络异常，请重试"; button.disabled = false; });
  });
  var reload = document.querySelector("[data-reload-after]");
  if (reload) { setTimeout(function () { window.location.reload(); }, Number(reload.getAttribute("data-reload-after"))); }
})();
