// Page behaviours declared by data attributes, so that no page needs inline event handlers (the
// Content-Security-Policy allows scripts from this site and nonce-bearing blocks only).
(function () {
  // The question before a big effect, in the page's own dialog (WeUI's look on the phone, the console's
  // there) rather than the browser's confirm(), which WeChat titles with the site's address. A modal
  // <dialog>: focus stays inside, Esc cancels. Without onYes it only tells (one 知道了 button).
  function ask(text, onYes, yesLabel) {
    var dialog = document.createElement("dialog"), body = document.createElement("div"), foot = document.createElement("div");
    dialog.className = "qc-dialog weui-dialog"; dialog.setAttribute("aria-label", onYes ? "请确认" : "提示");
    body.className = "weui-dialog__bd"; body.textContent = text;
    foot.className = "weui-dialog__ft";
    function button(label, primary, then) {
      var b = document.createElement("button");
      b.type = "button"; b.textContent = label;
      b.className = "weui-dialog__btn " + (primary ? "weui-dialog__btn_primary" : "weui-dialog__btn_default");
      b.addEventListener("click", function () { dialog.close(); dialog.remove(); if (then) { then(); } });
      foot.appendChild(b);
      return b;
    }
    if (onYes) { button("取消", false, null); }
    var yes = button(onYes ? (yesLabel || "确定") : "知道了", true, onYes);
    dialog.appendChild(body); dialog.appendChild(foot);
    dialog.addEventListener("cancel", function () { dialog.remove(); });
    document.body.appendChild(dialog);
    dialog.showModal();
    yes.focus();
  }
  window.qcAsk = ask;
  // A slow action (registration, 立即刷新, posters): its button is disabled and says so once submitted,
  // so a second tap neither sends it twice nor looks like nothing happened.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-busy]");
    if (!form) { return; }
    var button = event.submitter || form.querySelector("button:not([type=button])");
    setTimeout(function () {  // after every listener: a submission a question held back is not busy
      if (event.defaultPrevented || !button) { return; }
      button.disabled = true; button.setAttribute("aria-busy", "true"); button.textContent = "处理中…";
    }, 0);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (!form || form.getAttribute("data-confirmed") === "1") { return; }
    event.preventDefault();
    var submitter = event.submitter;
    ask(form.getAttribute("data-confirm"), function () {
      form.setAttribute("data-confirmed", "1");
      form.requestSubmit(submitter || undefined);
    });
  });
  // A button with big effects: <button data-confirm-count="将驳回所选的 {n} 条记录…" data-count-of="record_ids"
  // data-requires="#note" data-requires-message="…">: says how many it touches and asks first; nothing
  // chosen, or a required reason left empty, is said at once instead.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm-count]");
    if (!button) { return; }
    if (button.getAttribute("data-confirmed") === "1") { button.removeAttribute("data-confirmed"); return; }
    var count = button.getAttribute("data-count-of"), n = null;
    if (count) {
      n = document.querySelectorAll("input[name='" + count + "']:checked").length;
      if (n === 0) { event.preventDefault(); ask("请先勾选记录"); return; }
    }
    var needed = button.getAttribute("data-requires");
    if (needed && !document.querySelector(needed).value.trim()) {
      event.preventDefault();
      ask(button.getAttribute("data-requires-message"));
      return;
    }
    var text = button.getAttribute("data-confirm-count");
    event.preventDefault();
    ask(n === null ? text : text.replace("{n}", String(n)), function () {
      button.setAttribute("data-confirmed", "1");
      button.click();
    });
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
  // A copy button: <button type="button" data-copy="#field" data-status="#status">: the field's text to
  // the clipboard (selected as well, for a browser that refuses the clipboard), and says so.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) { return; }
    var field = document.querySelector(button.getAttribute("data-copy"));
    var status = document.querySelector(button.getAttribute("data-status"));
    field.focus(); field.select();
    function said(text) { if (status) { status.textContent = text; } }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { said("已复制，可粘贴到微信群"); },
                                                      function () { said("已选中，请按 Ctrl+C 复制"); });
    } else {
      said(document.execCommand && document.execCommand("copy") ? "已复制，可粘贴到微信群" : "已选中，请按 Ctrl+C 复制");
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
  // What went well shows as a toast for a moment (longer for longer messages), then gets out of the way.
  var toasts = document.querySelectorAll("[data-toast]");
  for (var t = 0; t < toasts.length; t += 1) {
    (function (toast) {
      var wait = Math.min(6000, Math.max(2500, toast.textContent.length * 150));
      setTimeout(function () { toast.classList.add("gone"); }, wait);
      toast.addEventListener("click", function () { toast.classList.add("gone"); });
    })(toasts[t]);
  }
  // The console's left menu folds behind 菜单 on a narrow screen (open by default, so it shows without
  // script); its account menu closes when a click lands elsewhere.
  var folds = document.querySelectorAll("details[data-fold-below]");
  for (var f = 0; f < folds.length; f += 1) {
    if (window.innerWidth < Number(folds[f].getAttribute("data-fold-below"))) { folds[f].removeAttribute("open"); }
  }
  document.addEventListener("click", function (event) {
    var menus = document.querySelectorAll("details.account-menu[open]");
    for (var m = 0; m < menus.length; m += 1) { if (!menus[m].contains(event.target)) { menus[m].removeAttribute("open"); } }
  });
  // Sortable headers on the tables that hold a whole list (<table data-sortable>): a click sorts the rows
  // by that column, numbers as numbers ("83.9%", "12 小时", "1,234" included), again to reverse.
  function sortKey(cell) {
    var text = (cell.getAttribute("data-value") || cell.textContent).trim();
    var number = text.replace(/[,，%\s]|小时|人|个|条/g, "");
    return /^-?\d+(\.\d+)?$/.test(number) ? Number(number) : text;
  }
  var sortables = document.querySelectorAll("table[data-sortable]");
  for (var s = 0; s < sortables.length; s += 1) {
    (function (table) {
      var heads = table.tHead ? table.tHead.rows[0].cells : [];
      for (var c = 0; c < heads.length; c += 1) {
        (function (th, column) {
          if (th.hasAttribute("data-nosort") || !th.textContent.trim()) { return; }
          th.setAttribute("data-sort", ""); th.setAttribute("aria-sort", "none");
          var b = document.createElement("button"); b.type = "button";
          while (th.firstChild) { b.appendChild(th.firstChild); }
          th.appendChild(b);
          b.addEventListener("click", function () {
            var up = th.getAttribute("aria-sort") !== "ascending";
            for (var h = 0; h < heads.length; h += 1) { if (heads[h].hasAttribute("data-sort")) { heads[h].setAttribute("aria-sort", "none"); } }
            th.setAttribute("aria-sort", up ? "ascending" : "descending");
            var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
            if (rows.length < 2 || rows[0].cells.length <= column) { return; }
            rows.sort(function (a, z) {
              var x = sortKey(a.cells[column]), y = sortKey(z.cells[column]);
              var order = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y), "zh-CN");
              return up ? order : -order;
            });
            for (var r = 0; r < rows.length; r += 1) { body.appendChild(rows[r]); }
          });
        })(heads[c], c);
      }
    })(sortables[s]);
  }
  // A form in steps (<form data-steps data-current="1"> with <fieldset data-step="N">): one step shows at a
  // time; 下一步 first checks the step's own fields and says what is missing beside each. Without script
  // every step shows, and the server says the same.
  function fieldLabel(input) {
    var label = document.querySelector("label[for='" + input.id + "']");
    return label ? label.textContent.replace(/（.*$/, "").trim() : "此项";
  }
  function sayBeside(input, text) {
    var id = input.id + "-error", said = document.getElementById(id);
    if (!said) {
      said = document.createElement("span"); said.className = "field-error"; said.id = id;
      (input.parentNode.classList.contains("row") ? input.parentNode : input).insertAdjacentElement("afterend", said);
    }
    said.textContent = text;
    input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", id);
  }
  function stepProblems(fieldset) {
    var first = null, inputs = fieldset.querySelectorAll("input[required], select[required]");
    for (var i = 0; i < inputs.length; i += 1) {
      var input = inputs[i], value = input.value.trim(), text = null;
      if (!value) { text = "请填写" + fieldLabel(input); }
      else if (input.type === "tel" && !/^1[3-9]\d{9}$/.test(value)) { text = "请输入11位手机号码"; }
      else if (input.type === "password" && (value.length < 6 || value.length > 16 || /^\d+$/.test(value))) {
        text = "密码须为6至16位，不能全部为数字";
      }
      if (text) { sayBeside(input, text); first = first || input; }
      else if (input.getAttribute("aria-invalid") === "true") {
        input.removeAttribute("aria-invalid");
        var old = document.getElementById(input.id + "-error"); if (old) { old.remove(); }
      }
    }
    return first;
  }
  function showStep(form, n, focus) {
    var steps = form.querySelectorAll("fieldset[data-step]");
    for (var i = 0; i < steps.length; i += 1) { steps[i].hidden = steps[i].getAttribute("data-step") !== String(n); }
    var labels = document.querySelectorAll("[data-step-label]");
    for (var j = 0; j < labels.length; j += 1) {
      if (labels[j].getAttribute("data-step-label") === String(n)) { labels[j].setAttribute("aria-current", "step"); }
      else { labels[j].removeAttribute("aria-current"); }
    }
    form.setAttribute("data-current", String(n));
    var shown = form.querySelector("fieldset[data-step='" + n + "']");
    var target = shown && (shown.querySelector("[aria-invalid=true]") || (focus && shown.querySelector("input, select")));
    if (target) { target.focus(); }
  }
  var stepForms = document.querySelectorAll("form[data-steps]");
  for (var sf = 0; sf < stepForms.length; sf += 1) {
    stepForms[sf].classList.add("stepping");
    showStep(stepForms[sf], Number(stepForms[sf].getAttribute("data-current") || 1), false);
  }
  document.addEventListener("click", function (event) {
    var go = event.target.closest("[data-step-go]");
    if (!go) { return; }
    var form = go.closest("form"), to = Number(go.getAttribute("data-step-go"));
    var now = Number(form.getAttribute("data-current") || 1);
    if (to > now && stepProblems(form.querySelector("fieldset[data-step='" + now + "']"))) {
      form.querySelector("fieldset[data-step='" + now + "'] [aria-invalid=true]").focus();
      return;
    }
    showStep(form, to, true);
    window.scrollTo(0, 0);
  });
  // 显示完整号码 (<form data-reveal>): asked for in place, the number put where the mask was, as a link
  // to call; without script the form opens a page with the number.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-reveal]");
    if (!form) { return; }
    event.preventDefault();
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (d) { return {ok: r.ok, d: d}; }); })
      .then(function (a) {
        if (!a.ok) { ask(a.d.message || "无法显示号码"); return; }
        var cell = form.parentNode, shown = cell.querySelector(".phone"), link = document.createElement("a");
        link.href = "tel:" + a.d.phone; link.textContent = a.d.phone;
        if (shown) { shown.textContent = ""; shown.appendChild(link); } else { cell.appendChild(link); }
        form.remove();
      })
      .catch(function () { ask("网络异常，请重试"); });
  });
  var reload = document.querySelector("[data-reload-after]");
  if (reload) { setTimeout(function () { window.location.reload(); }, Number(reload.getAttribute("data-reload-after"))); }
})();
