// The #YouAreNotAlone chat widget: Rasa over socket.io, emergency banner, nothing kept after the tab closes.
// Only the session id the server issued is kept, in sessionStorage (gone when the tab closes); messages live only in the page.
// The quick exit, Esc and the form's submit are handled by the inline script at the top of the page (web/quick_exit.js),
// which works before this file has loaded and hands over to window.yanaChat once it has.
(function () {
  "use strict";

  var RASA_URL = document.documentElement.getAttribute("data-rasa");
  var SESSION_KEY = "yana-chat-session";
  var socket = null;
  var sessionId = null;
  var ready = false;
  var queue = [];  // messages not sent yet: {message, item}, item being the bubble marked "sending…"
  var lastBotItem = null;
  var announcer = window.yanaAnnouncer;
  var BANNER_TITLES = { self: "In danger now?", other: "Someone in danger now?", check: "Emergency?" };
  var BANNER_RANK = { check: 1, other: 2, self: 2 };

  function $(id) { return document.getElementById(id); }

  /** The session id the server issued to this tab, if any: kept in sessionStorage only, so it dies with the tab. */
  function storedSessionId() {
    try { return sessionStorage.getItem(SESSION_KEY); } catch (e) { return null; }  /* no storage: a new session */
  }

  /** Keeps the session id the server confirmed (it issues a new one for an id it did not sign). */
  function keepSessionId(id) {
    sessionId = id;
    try { sessionStorage.setItem(SESSION_KEY, id); } catch (e) { /* ignore */ }
  }

  /** Adds an item at the end of the conversation and scrolls the conversation (not the page) to it. */
  function scrollToEnd(log, item) {
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  /** Appends text to `parent`, turning web addresses into links that open in a new tab (as text nodes: no HTML). */
  function appendLinkified(parent, text) {
    var pattern = /\b(?:https?:\/\/|www\.)[^\s<>"]+[^\s<>".,;:!?)]/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      var link = document.createElement("a");
      link.href = /^https?:/.test(match[0]) ? match[0] : "https://" + match[0];
      // A new tab keeps the conversation here; noopener noreferrer: no handle on this page, no referrer for the site.
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.textContent = match[0];
      var hint = document.createElement("span");
      hint.className = "visually-hidden";
      hint.textContent = " (opens in a new tab)";
      link.appendChild(hint);
      parent.appendChild(link);
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  /** Adds one message to the conversation; bot messages are also announced to screen readers. */
  function addMessage(who, text) {
    var item = document.createElement("li");
    item.className = "msg msg-" + who;
    var label = document.createElement("span");
    label.className = "who";
    label.textContent = who === "bot" ? "Police chat: " : "You: ";
    item.appendChild(label);
    var body = document.createElement("span");
    body.className = "text";
    appendLinkified(body, text);
    item.appendChild(body);
    scrollToEnd($("chat-log"), item);
    keepInputInView();
    return item;
  }

  /** Shows the bot's suggested replies as buttons that send their payload. */
  function addButtons(buttons) {
    var item = document.createElement("li");
    item.className = "msg msg-buttons";
    var group = document.createElement("div");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested replies");
    buttons.forEach(function (button) {
      var element = document.createElement("button");
      element.type = "button";
      element.className = "reply";
      element.textContent = button.title;
      element.addEventListener("click", function () {
        item.remove();
        send(button.payload, button.title);
        $("chat-input").focus();
      });
      group.appendChild(element);
    });
    item.appendChild(group);
    scrollToEnd($("chat-log"), item);
    keepInputInView();
  }

  /** Keeps the focused chat input on screen, below the sticky masthead and banner and above the keyboard. */
  function keepInputInView() {
    var input = $("chat-input");
    if (document.activeElement !== input) { return; }
    var top = document.querySelector(".top").getBoundingClientRect().bottom;
    var viewport = window.visualViewport;
    var bottom = viewport ? viewport.offsetTop + viewport.height : window.innerHeight;
    var rect = input.getBoundingClientRect();
    if (rect.top < top + 8) {
      window.scrollBy(0, rect.top - top - 8);
    } else if (rect.bottom > bottom - 8) {
      window.scrollBy(0, rect.bottom - bottom + 8);
    }
  }

  /** Publishes the sticky top's height as --top-h (CSS keeps scrolled-to content below it), then re-checks the input. */
  function trackTopHeight() {
    var top = document.querySelector(".top");
    var update = function () {
      document.documentElement.style.setProperty("--top-h", top.getBoundingClientRect().height + "px");
      keepInputInView();
    };
    update();
    if (window.ResizeObserver) { new window.ResizeObserver(update).observe(top); }
  }

  /** Collapses the banner to its call button, or expands it again. */
  function setBannerExpanded(expanded) {
    var toggle = $("emergency-toggle");
    $("emergency").classList.toggle("is-collapsed", !expanded);
    toggle.setAttribute("aria-expanded", String(expanded));
    toggle.textContent = expanded ? "Hide" : "Show";
  }

  /** Raises the banner for an escalation of `kind` ("self", "other", "check"), expanded, as the gravest kind so far. */
  function showEmergency(kind) {
    var banner = $("emergency");
    var shown = banner.hidden ? null : banner.getAttribute("data-kind");
    kind = BANNER_RANK[kind] ? kind : "self";
    if (!shown || BANNER_RANK[kind] >= BANNER_RANK[shown]) {
      banner.setAttribute("data-kind", kind);
      $("emergency-title").textContent = BANNER_TITLES[kind];
    }
    banner.hidden = false;
    setBannerExpanded(true);
  }

  /** The custom payload of a bot event, as {"custom": {...}}, an attachment or bare; null without one. */
  function customOf(data) {
    var custom = data.custom || (data.attachment && data.attachment.payload) || data;
    return custom && typeof custom === "object" ? custom : null;
  }

  /** Handles one bot_uttered event: shows it, raises the banner for an escalation, has it announced (announce.js). */
  function onBotMessage(data) {
    if (!data || typeof data !== "object") { return; }
    var custom = customOf(data);
    var escalation = Boolean(custom && custom.escalation);
    if (escalation) { showEmergency(custom.kind); }
    if (typeof data.text === "string" && data.text) {
      lastBotItem = addMessage("bot", data.text);
      if (escalation) { lastBotItem.classList.add("msg-escalation"); }
      announcer.message(data.text, escalation);
    } else if (escalation && announcer.escalation()) {
      lastBotItem.classList.add("msg-escalation");  // Rasa's marker comes after the text it belongs to
    }
    var buttons = data.quick_replies || data.buttons;
    if (Array.isArray(buttons) && buttons.length) { addButtons(buttons); }
  }

  function setStatus(text) { $("chat-status").textContent = text; }

  /** Marks a user's bubble as waiting to be sent. */
  function markSending(item) {
    var marker = document.createElement("span");
    marker.className = "sending";
    marker.textContent = " sending…";
    item.appendChild(marker);
  }

  /** Sends the waiting messages in order, once the chat is connected, and unmarks their bubbles. */
  function flush() {
    while (ready && socket && queue.length) {
      var next = queue.shift();
      socket.emit("user_uttered", { message: next.message, session_id: sessionId });
      var marker = next.item.querySelector(".sending");
      if (marker) { marker.remove(); }
    }
  }

  /** Sends a message (or a button payload shown as its title); before the chat connects, it waits visibly. */
  function send(message, shown) {
    var item = addMessage("user", shown || message);
    if (!(ready && socket)) {
      markSending(item);
      setStatus("Your message will be sent when the chat connects.");
    }
    queue.push({ message: message, item: item });
    flush();
  }

  function connect() {
    if (typeof window.io !== "function" || !RASA_URL) {
      setStatus("The chat is not available right now. If you are in danger, call 999.");
      return;
    }
    sessionId = storedSessionId();
    // Long-polling only: Rasa 3.6's websocket transport is unreliable; polling works everywhere.
    socket = window.io(RASA_URL, { transports: ["polling"], withCredentials: false, reconnectionDelayMax: 10000 });
    socket.on("connect", function () { socket.emit("session_request", { session_id: sessionId }); });
    socket.on("session_confirm", function (id) {
      if (typeof id === "string" && id) { keepSessionId(id); }
      ready = true;
      setStatus("Connected. Type your question below.");
      flush();
    });
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", function () {
      ready = false;
      setStatus("Reconnecting… If you are in danger, call 999.");
    });
    socket.on("connect_error", function () {
      setStatus("Can't reach the chat right now. If you are in danger, call 999. To report, call 101.");
    });
  }

  function start() {
    // Messages sent before this script ran (shown as "sending…" by the inline script) go first, in order.
    (window.yanaEarly || []).forEach(function (early) { queue.push({ message: early.text, item: early.item }); });
    window.yanaEarly = [];
    window.yanaChat = {
      send: function (text) { send(text); },
      close: function () { if (socket) { socket.disconnect(); socket = null; } },
    };
    $("emergency-toggle").addEventListener("click", function () {
      setBannerExpanded($("emergency-toggle").getAttribute("aria-expanded") !== "true");
    });
    $("chat-input").addEventListener("focus", function () { setTimeout(keepInputInView, 0); });
    window.addEventListener("resize", keepInputInView);
    if (window.visualViewport) { window.visualViewport.addEventListener("resize", keepInputInView); }
    trackTopHeight();
    connect();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
