// 订阅通知 (project notices, reminders): configures the JS-SDK for the wx-open-subscribe tag from the data the server signed
// (data-* on #wx-config), so no inline script is needed under the Content-Security-Policy.
(function () {
  var holder = document.getElementById("wx-config");
  if (!holder || typeof wx === "undefined") { return; }
  wx.config({debug: false, appId: holder.dataset.appid, timestamp: Number(holder.dataset.timestamp),
             nonceStr: holder.dataset.nonce, signature: holder.dataset.signature, jsApiList: ["checkJsApi"],
             openTagList: ["wx-open-subscribe"]});
  var tag = document.getElementById("subscribe-tag"), status = document.getElementById("subscribe-status");
  if (!tag) { return; }
  tag.addEventListener("success", function (event) {
    var details = {};
    try { details = JSON.parse(event.detail.subscribeDetails || "{}"); } catch (e) { details = {}; }
    var answer = details[tag.getAttribute("template")];
    var accepted = answer && JSON.parse(answer).status === "accept";
    status.textContent = accepted ? (status.dataset.accepted || "已订阅") : "未订阅，可随时再点按钮订阅";
  });
  tag.addEventListener("error", function () { status.textContent = "订阅未完成，请稍后再试"; });
})();
