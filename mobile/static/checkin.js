/* Sign in/out with the browser's position: WGS-84 with its accuracy, as browsers give it; the server
   converts it into the site's coordinate system and decides. Shows the geofence answer (distance,
   allowed radius, accuracy) also when it refuses. No framework, no network besides our own server. */
(function () {
  function fence(f) {
    return f && f.distance_m != null ? "（距离 " + Math.round(f.distance_m) + " 米，允许 " + Math.round(f.radius_m) + " 米" +
      (f.accuracy_m != null ? "，定位精度 " + Math.round(f.accuracy_m) + " 米" : "") + "）" : "";
  }
  /* What to do next after a refusal: the project still signed in to, or the site and its contact. */
  function nextStep(result, answer) {
    var detail = answer.detail || {}, contact = result.getAttribute("data-contact");
    if (answer.error === "signed_in_elsewhere" && detail.project_code) {
      link(result, "/m/projects/" + encodeURIComponent(detail.project_code), "前往该项目签退");
    } else if (answer.error === "outside_fence") {
      var said = result.textContent, stop = /[。！？；）)]$/.test(said) ? "" : "。";
      result.textContent = said + stop + "请到达服务地点附近后重试；定位不准时，到开阔处并打开手机的精确定位再试。";
    }
    if (contact && answer.error !== "signed_in_elsewhere") { link(result, "tel:" + contact, "联系负责人"); }
  }
  function link(parent, href, text) {
    var a = document.createElement("a");
    a.href = href; a.textContent = text; a.style.marginLeft = ".5em";
    parent.appendChild(a);
  }
  window.qcCheckin = function (url, csrf, result, done) {
    function show(text, ok, answer) {
      result.textContent = text; result.className = ok ? "ok" : "error";
      if (!ok && answer) { nextStep(result, answer); }
      if (done) done(ok);
    }
    function submit(position) {
      var body = {lat: position.coords.latitude, lng: position.coords.longitude,
                  accuracy: position.coords.accuracy, coord_type: "wgs84"};
      fetch(url, {method: "POST", credentials: "same-origin",
                  headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
                  body: JSON.stringify(body)})
        .then(function (r) { return r.json().then(function (d) { return {ok: r.ok, d: d}; }); })
        .then(function (a) {
          var message = a.d.message, extra = fence(a.ok ? a.d.fence : a.d.detail);
          show(message.indexOf("允许") >= 0 ? message : message + extra, a.ok, a.d);  // the refusal already says it
        })
        .catch(function () { show("网络异常，请重试", false); });
    }
    result.textContent = "正在获取你的位置…（请允许获取位置信息）"; result.className = "";
    if (!navigator.geolocation) { show("此浏览器无法获取位置，请在微信中打开", false); return; }
    navigator.geolocation.getCurrentPosition(submit, function () {
      show("无法获取位置：请在系统设置中允许微信获取位置信息，然后重试", false);
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 0});
  };
})();
