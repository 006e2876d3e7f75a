// What screen readers are told of the chat's bot messages (used by chat.js, as window.yanaAnnouncer).
// 999 guidance is said at once and on its own, in the assertive region #chat-alert; every other bot message is said
// politely, one at a time in #chat-announcer, so messages arriving together are each read and none replaces another.
(function () {
  "use strict";

  // Rasa sends a response's text first, then its custom payload (the escalation marker) as a separate event: bot
  // messages wait SETTLE_MS for a marker before they are announced (never longer than SETTLE_MAX_MS in all).
  var SETTLE_MS = 150;
  var SETTLE_MAX_MS = 600;
  // Polite announcements are POLITE_GAP_MS apart, and the first after 999 guidance waits as long.
  var POLITE_GAP_MS = 700;
  var KEEP = 3;  // polite lines kept in the region (older ones have been read)
  var unannounced = [];  // {text, escalation}
  var settle = { timer: null, since: 0 };
  var polite = { queue: [], timer: null };

  function line(text) {
    var element = document.createElement("p");
    element.textContent = "Police chat says: " + text;
    return element;
  }

  function nextPolite() {
    polite.timer = null;
    var text = polite.queue.shift();
    if (text === undefined) { return; }
    var region = document.getElementById("chat-announcer");
    region.appendChild(line(text));
    while (region.children.length > KEEP) { region.removeChild(region.firstChild); }
    if (polite.queue.length) { polite.timer = setTimeout(nextPolite, POLITE_GAP_MS); }
  }

  /** Announces what has arrived: the 999 guidance first, alone and assertively; then the rest, politely, in turn. */
  function announceReceived() {
    settle.timer = null;
    var batch = unannounced;
    unannounced = [];
    var urgent = batch.filter(function (message) { return message.escalation; });
    if (urgent.length) {
      var alert = document.getElementById("chat-alert");
      alert.textContent = "";
      alert.appendChild(line(urgent.map(function (message) { return message.text; }).join(" ")));
      if (!polite.timer) { polite.timer = setTimeout(nextPolite, POLITE_GAP_MS); }
    }
    batch.forEach(function (message) { if (!message.escalation) { polite.queue.push(message.text); } });
    if (!polite.timer) { polite.timer = setTimeout(nextPolite, 0); }
  }

  function schedule() {
    var now = Date.now();
    if (!settle.timer) { settle.since = now; }
    clearTimeout(settle.timer);
    settle.timer = setTimeout(announceReceived, Math.max(0, Math.min(SETTLE_MS, settle.since + SETTLE_MAX_MS - now)));
  }

  window.yanaAnnouncer = {
    /** A bot message's text, urgent when it carries the escalation marker itself. */
    message: function (text, urgent) {
      unannounced.push({ text: text, escalation: Boolean(urgent) });
      schedule();
    },
    /** A separate escalation marker: it belongs to the last text received; false when that was already announced. */
    escalation: function () {
      var last = unannounced[unannounced.length - 1];
      if (last) { last.escalation = true; }
      schedule();
      return Boolean(last);
    },
  };
})();
