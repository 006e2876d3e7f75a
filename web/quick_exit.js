// Inline at the top of every page (web/server.py puts it there and allows it by its hash), so it works from the
// first paint, before any other script has loaded: Esc and "Leave this site" leave for the exit address at once,
// replacing this page in the history; the skip link moves focus without a history entry; a message sent before
// chat.js has started is shown as "sending…" and waits in window.yanaEarly instead of submitting the form.
(function (d, w) {
  "use strict";
  var exitUrl = d.documentElement.getAttribute("data-exit") || "https://www.bbc.co.uk/weather";
  var early = w.yanaEarly = [];

  function leave() {
    try { w.sessionStorage.clear(); } catch (e) { /* storage may be blocked */ }
    try { if (w.yanaChat) { w.yanaChat.close(); } } catch (e) { /* leave anyway */ }
    d.title = "Weather";
    if (d.body) { d.body.textContent = ""; }
    w.location.replace(exitUrl);
  }

  function span(className, text) {
    var element = d.createElement("span");
    element.className = className;
    element.textContent = text;
    return element;
  }

  d.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !event.isComposing) { event.preventDefault(); leave(); }
  }, true);

  d.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#quick-exit, [data-focus]");
    if (!link) { return; }
    event.preventDefault();
    if (link.id === "quick-exit") { leave(); } else { d.getElementById(link.getAttribute("data-focus")).focus(); }
  }, true);

  d.addEventListener("submit", function (event) {
    event.preventDefault();
    var input = d.getElementById("chat-input");
    var text = input ? input.value.trim() : "";
    if (!text) { return; }
    input.value = "";
    if (w.yanaChat) { w.yanaChat.send(text); return; }
    var item = d.createElement("li");
    item.className = "msg msg-user";
    item.appendChild(span("who", "You: "));
    item.appendChild(span("text", text));
    item.appendChild(span("sending", " sending…"));
    d.getElementById("chat-log").appendChild(item);
    d.getElementById("chat-status").textContent = "Your message will be sent when the chat connects.";
    early.push({ text: text, item: item });
  }, true);
})(document, window);
